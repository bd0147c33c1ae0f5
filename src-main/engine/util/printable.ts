// Control characters in entry names are exactly what this pattern looks for.
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;

/** Entry names with control characters shown escaped, so an error message cannot hide them. */
export function printable(name: string): string {
  return name.replace(CONTROL_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
