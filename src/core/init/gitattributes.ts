/**
 * `.gitattributes` with the line that sends the lockfile through guard's merge
 * driver (https://git-scm.com/docs/gitattributes#_defining_a_custom_merge_driver).
 * Returns the text unchanged when an attribute line for the file already
 * names the driver.
 */
export function withMergeAttribute(existing: string | undefined, file: string, driver: string): string {
  const line = `${file} merge=${driver}`;
  const text = existing ?? '';
  const present = text.split(/\r?\n/).some((candidate) => {
    const [pattern, ...attributes] = candidate.trim().split(/\s+/);
    return (pattern === file || pattern === `/${file}`) && attributes.includes(`merge=${driver}`);
  });
  if (present) return text;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}
