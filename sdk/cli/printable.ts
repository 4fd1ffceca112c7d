/**
 * `text` with its control characters written as `\xNN` (a message quoting a binary file's bytes
 * must not write NULs or escape sequences to the terminal, nor break the one-line form; ADR-250).
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
