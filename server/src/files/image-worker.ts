// The image process (image-maker.ts): makes one image at a time, asked and answered over IPC, at the
// lowest CPU priority the server set for it.
import { ImageRefusal, type ImageJob, type ImageJobReply } from './image-maker.js';
import { makeImage } from './images.js';

process.on('message', (job: ImageJob & { n: number }) => {
  makeImage(job).then(
    (image): ImageJobReply => ({ n: job.n, image }),
    (err: unknown): ImageJobReply =>
      err instanceof ImageRefusal ? { n: job.n, refusal: { message: err.message, code: err.code } } : { n: job.n, error: err instanceof Error ? err.message : String(err) },
  ).then((reply) => process.send!(reply));
});
// The server going away takes its image maker with it.
process.on('disconnect', () => process.exit(0));
