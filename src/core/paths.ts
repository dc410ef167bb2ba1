/** Relative paths from catalogs (template paths, catalog folders) that must stay inside their folder. */

export type PathCheck = { ok: true; segments: string[] } | { ok: false; message: string };

/**
 * Splits a "/"-separated path into its segments, resolving "." and "..". Rejects what could point
 * outside the folder or mean something else on another platform: backslashes, drive letters,
 * control characters, and ".." that climbs above the start. A leading "/" is the caller's business.
 */
export function splitContainedPath(path: string): PathCheck {
  if (path.includes("\\")) return { ok: false, message: 'must use "/" between folders, not "\\"' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    return { ok: false, message: "must not contain control characters" };
  if (/^\/*[a-zA-Z]:/.test(path)) return { ok: false, message: "must not start with a drive letter" };
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) return { ok: false, message: 'must stay inside its folder ("..")' };
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  return { ok: true, segments };
}

/**
 * A file path relative to an environment definition's folder, normalized ("./a/../main.bicep" →
 * "main.bicep"), or the reason it is not acceptable.
 */
export function normalizeTemplatePath(
  path: string,
): { ok: true; value: string } | { ok: false; message: string } {
  if (path.startsWith("/")) {
    return { ok: false, message: "must be relative to the definition folder, not absolute (no leading /)" };
  }
  const split = splitContainedPath(path);
  if (!split.ok) return split;
  const last = path.split("/").pop();
  if (split.segments.length === 0 || last === "" || last === "." || last === "..") {
    return { ok: false, message: "must name a file inside the definition folder, not a folder" };
  }
  return { ok: true, value: split.segments.join("/") };
}
