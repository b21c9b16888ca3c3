// Images with sharp, run only in the image process (image-worker.ts): the size checked from the header
// before any pixel is decoded, the file re-encoded without its metadata (EXIF, GPS, XMP: a polyglot's
// trailing bytes go too) and kept animated, a thumbnail and a ThumbHash placeholder.
import sharp, { type Metadata, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { ImageRefusal, type ImageJob, type ProcessedImage } from './image-maker.js';

/** Longest side of a thumbnail, pixels. */
export const THUMB_SIZE = 480;
/** Images at most this big (both sides, not animated) are their own thumbnail. */
const NO_THUMB_BELOW = 200;

// One libvips thread: the process makes one image at a time, and its memory stays that of one image.
sharp.concurrency(1);

/**
 * Reads the image at `path` (of sniffed type `mime`), writes it cleaned to `out` and its thumbnail to
 * `thumbOut`. Throws ImageRefusal for an image over `maxPixels` or one that cannot be decoded
 * (truncated, damaged, not what its header says).
 */
export async function makeImage({ path, mime, out, thumbOut, maxPixels }: ImageJob): Promise<ProcessedImage> {
  const input = { animated: true, limitInputPixels: maxPixels, failOn: 'truncated' as const };
  let meta: Metadata;
  try {
    // The header alone, without the pixel limit: the size is checked below, with the numbers in the message.
    meta = await sharp(path, { ...input, limitInputPixels: false }).metadata();
  } catch (err) {
    throw refusal(err);
  }
  const width = meta.width ?? 0;
  const pages = meta.pages ?? 1;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width * height * pages > maxPixels || width === 0 || height === 0) {
    throw new ImageRefusal(`the image is ${width}×${height}${pages > 1 ? ` × ${pages} frames` : ''} pixels; this server decodes at most ${maxPixels} pixels`, 'too_large');
  }
  const animated = pages > 1;
  try {
    // Without withMetadata(), sharp writes no EXIF, XMP or ICC-less metadata: GPS and camera data go.
    const base = sharp(path, input);
    const oriented = animated ? base : base.rotate();
    const info = await encodeLike(oriented, mime).toFile(out);
    const upright = { width: info.width, height: animated ? height : info.height };
    const small = !animated && upright.width <= NO_THUMB_BELOW && upright.height <= NO_THUMB_BELOW;
    if (!small) {
      await sharp(out, { animated })
        .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toFile(thumbOut);
    }
    const { data, info: px } = await sharp(out).resize(100, 100, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const placeholder = Buffer.from(rgbaToThumbHash(px.width, px.height, data)).toString('base64');
    return { width: upright.width, height: upright.height, animated, placeholder, size: info.size, thumb: !small };
  } catch (err) {
    throw refusal(err);
  }
}

/** The same format as the upload, re-encoded: quality close to the original, metadata gone. */
function encodeLike(img: Sharp, mime: string): Sharp {
  switch (mime) {
    case 'image/jpeg':
      return img.jpeg({ quality: 90 });
    case 'image/png':
      return img.png();
    case 'image/webp':
      return img.webp({ quality: 90 });
    case 'image/gif':
      return img.gif();
    default:
      return img.avif({ quality: 70 });
  }
}

function refusal(err: unknown): ImageRefusal {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) return new ImageRefusal('the image has more pixels than this server decodes', 'too_large');
  return new ImageRefusal('the image could not be read: it is damaged or incomplete', 'bad_image');
}
