/**
 * The image check before a local run: the engine's facts and the image by the bundle's id, asked at
 * once, and remembered per engine so the next run's container is made while the engine answers again.
 */
import { ApiError } from '../kernel';
import type { ContainerEngine, EngineInfo, ImageDetails } from '../engine';
import type { RunnableBundle } from '../bundles';

/** An engine's facts and an image it showed with the bundle's image id. */
export interface CheckedImage {
  info: EngineInfo;
  image: ImageDetails;
}

/** The image as the engine showed it, or NOT_FOUND when it has no image with the bundle's id. */
export function verifiedImage(job: { bundle: RunnableBundle }, image: ImageDetails | null): ImageDetails {
  if (!image || image.id !== job.bundle.imageId) {
    throw new ApiError(
      'NOT_FOUND',
      `The engine no longer has the image of ${job.bundle.name}@${job.bundle.version} (${job.bundle.imageId}). Import the bundle again.`,
    );
  }
  return image;
}

/**
 * What each engine last answered for each image id. An image id is the digest of the image's config,
 * so its user cannot change; only whether the engine still has it can, and every run asks that again
 * (checkImage) before its container starts. Known, the container is made while the engine answers.
 */
const checked = new WeakMap<ContainerEngine, Map<string, CheckedImage>>();

export function checkedBefore(engine: ContainerEngine, imageId: string): CheckedImage | undefined {
  return checked.get(engine)?.get(imageId);
}

export function forgetImage(engine: ContainerEngine, imageId: string): void {
  checked.get(engine)?.delete(imageId);
}

/**
 * The engine's facts and the image check, asked at once (one round trip, not two); the engine's own
 * failure is the one reported, as when they were asked one after the other. Facts the engine already
 * gave are not asked again: the image check's answer says the engine answers now, as a ping would.
 * Remembered when it passes, forgotten when it fails.
 */
export function checkImage(engine: ContainerEngine, job: { bundle: RunnableBundle }): Promise<CheckedImage> {
  const imageId = job.bundle.imageId;
  const facts = engine.knownInfo?.() ?? engine.info();
  const inspecting = engine.inspectImage(imageId);
  inspecting.catch(() => undefined);
  const result = (async () => {
    try {
      const out = { info: await facts, image: verifiedImage(job, await inspecting) };
      let known = checked.get(engine);
      if (!known) checked.set(engine, (known = new Map()));
      known.set(imageId, out);
      return out;
    } catch (error) {
      forgetImage(engine, imageId);
      throw error;
    }
  })();
  result.catch(() => undefined); // awaited by the run
  return result;
}
