/**
 * Text from a file guard reads (a lockfile's `reason`, `by`, a dir name),
 * made safe to print: control characters (which could move the cursor or
 * erase the line a reviewer reads), DEL, C1 controls and the bidirectional
 * overrides (which reorder what is shown, CVE-2021-42574 "Trojan Source")
 * are shown as `\u` escapes instead of acting on the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
