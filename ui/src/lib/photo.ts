// Images the core sends as base64 text (the gate's cached photo) shown
// through object URLs: the app's content security policy allows blob: images
// but not data: ones.

/** The bytes of base64 text; spaces, line breaks and a `data:…;base64,` prefix are ignored. */
export function base64ToBytes(text: string): Uint8Array {
  const body = text.replace(/^data:[^,]*,/, "").replace(/\s+/g, "");
  const binary = atob(body);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A Blob of base64 image data (a JPEG unless told), or null when the text is not base64. */
export function base64ToBlob(text: string, type = "image/jpeg"): Blob | null {
  try {
    return new Blob([base64ToBytes(text) as BlobPart], { type });
  } catch {
    return null;
  }
}
