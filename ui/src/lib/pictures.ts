// Where the photo step gets its picture: each source is a function that
// gives the picture's bytes (PNG or JPEG), so the step does not care whether
// a file or a camera made them.

/** Gives the bytes of one picture, or null when the clerk cancelled. */
export type PictureSource = () => Promise<ArrayBuffer | null>;

/**
 * THE CAMERA SOURCE PLUGS IN HERE. The live camera (its `LivePreview`
 * component and its snapshot command) is built separately; once it is in,
 * set this to a function that takes a snapshot of the live preview and
 * returns its bytes. While it is null the photo step offers the file source
 * only.
 */
export const cameraSnapshot: PictureSource | null = null;
