/**
 * What guard's output is made of, shared by every layer that produces a
 * result: the formats a command can be asked for, the version its JSON
 * documents carry, and the colours a text rendering may use. The rendering
 * itself lives in the CLI (`src/cli/`).
 */

export const OUTPUT_FORMATS = ['text', 'json', 'github', 'gitlab', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Version of the JSON documents guard prints; bumped on any incompatible change. */
export const JSON_SCHEMA_VERSION = 1 as const;

/**
 * GitHub shows at most 10 error annotations per step
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message);
 * the rest would be dropped silently, so guard prints that many and puts the
 * full list in the step summary.
 */
export const GITHUB_ANNOTATION_CAP = 10;

/** Colours for text meant for a person; each is the identity when colour is off. */
export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}
