/** JSON text kept in a column, parsed; null for NULL, '' or text that is not JSON (written by hand). */
export function jsonOrNull<T>(text: string | null): T | null {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
