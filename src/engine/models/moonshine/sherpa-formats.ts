/**
 * sherpa-onnx's own Moonshine packages, which Murmur does not load, recognised by their file names
 * so that pointing Murmur at one says what it is and what to use instead (without this, such a
 * folder is taken for an incomplete transducer and the error lists transducer files).
 *  - v1 (sherpa-onnx-moonshine-{tiny,base}-en-int8): preprocess.onnx, encode*.onnx,
 *    uncached_decode*.onnx, cached_decode*.onnx: a different split of the network (a separate
 *    feature stage, two decoders with their own cache layout; offline-moonshine-model.cc).
 *  - v2 (sherpa-onnx-moonshine-*-quantized-*): encoder_model.ort and decoder_model_merged.ort, the
 *    same networks as Murmur's format but in onnxruntime's ORT format, with a base64 tokens.txt in
 *    place of a known vocabulary (scripts/moonshine/v2 in sherpa-onnx).
 * Murmur runs the .onnx export of the second kind (encoder_model.onnx + decoder_model_merged.onnx).
 */
import { MurmurError } from '../../errors';

const USE_INSTEAD =
  'Murmur runs Moonshine as encoder_model.onnx + decoder_model_merged.onnx (the Hugging Face / moonshine-js export, like the embedded model): point murmur.model.path at such a folder, or leave it empty for the embedded model.';

/** The error for a folder holding one of sherpa-onnx's Moonshine packages; undefined for any other. */
export function sherpaMoonshineFormatError(dir: string, names: readonly string[]): MurmurError | undefined {
  const has = (re: RegExp) => names.some((n) => re.test(n));
  if (has(/^preprocess.*\.onnx$/i) && has(/^uncached_decode.*\.onnx$/i) && has(/^cached_decode.*\.onnx$/i)) {
    return new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${dir} holds sherpa-onnx's four-file Moonshine export (preprocess, encode, uncached_decode, cached_decode), which Murmur does not load. ${USE_INSTEAD}`,
    );
  }
  if (has(/^encoder_model.*\.ort$/i) && has(/^decoder_model_merged.*\.ort$/i)) {
    return new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${dir} holds sherpa-onnx's ORT-format Moonshine (encoder_model.ort, decoder_model_merged.ort), which Murmur does not load. ${USE_INSTEAD}`,
    );
  }
  return undefined;
}
