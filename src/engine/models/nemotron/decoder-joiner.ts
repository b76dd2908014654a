/**
 * The prediction network (stateful LSTM decoder) and joiner of a NeMo transducer, as sherpa-onnx runs
 * them (online-transducer-nemo-model.cc RunDecoder / RunJoiner), inputs and outputs by position:
 *   decoder: targets int32 [1, 1], target_length int32 [1], h and c [layers, 1, hidden]
 *         -> decoder output [1, hidden, 1], lengths (unused), next h and c
 *   joiner:  encoder frame [1, dim, 1], decoder output as the decoder gave it -> logits [.., vocab]
 */
import * as ort from 'onnxruntime-node';
import { MurmurError } from '../../errors';
import type { NemotronConfig } from './config';

export interface DecoderState {
  /** The decoder output for the last token, as a tensor the joiner takes unchanged. */
  out: ort.Tensor;
  /** The LSTM states after that token. */
  states: ort.Tensor[];
}

export class NemoDecoderJoiner {
  private readonly decoderInputs: string[];
  private readonly decoderOutputs: string[];
  private readonly joinerInputs: string[];
  private readonly joinerOutput: string;
  private readonly targetLength = new ort.Tensor('int32', Int32Array.of(1), [1]);

  constructor(
    private readonly decoder: ort.InferenceSession,
    private readonly joiner: ort.InferenceSession,
    private readonly config: NemotronConfig,
    decoderSource: string,
    joinerSource: string,
  ) {
    if (decoder.inputNames.length !== 4 || decoder.outputNames.length !== 4) {
      throw new MurmurError(
        'MODEL_WRONG_FAMILY',
        `${decoderSource} is not a NeMo transducer decoder with LSTM states (expected 4 inputs: targets, target_length, h, c; and 4 outputs).`,
      );
    }
    if (joiner.inputNames.length !== 2 || joiner.outputNames.length < 1) {
      throw new MurmurError('MODEL_WRONG_FAMILY', `${joinerSource} is not a NeMo transducer joiner (expected 2 inputs: encoder and decoder outputs).`);
    }
    this.decoderInputs = [...decoder.inputNames];
    this.decoderOutputs = [...decoder.outputNames];
    this.joinerInputs = [...joiner.inputNames];
    this.joinerOutput = joiner.outputNames[0];
  }

  /** Zero LSTM states, as sherpa-onnx's GetDecoderInitStates. */
  initialStates(): ort.Tensor[] {
    const { predRnnLayers: l, predHidden: h } = this.config;
    return [0, 1].map(() => new ort.Tensor('float32', new Float32Array(l * h), [l, 1, h]));
  }

  /** The decoder run on one token from the given LSTM states. */
  async decode(token: number, states: ort.Tensor[]): Promise<DecoderState> {
    const [targets, targetLength, h, c] = this.decoderInputs;
    const out = await this.decoder.run({
      [targets]: new ort.Tensor('int32', Int32Array.of(token), [1, 1]),
      [targetLength]: this.targetLength,
      [h]: states[0],
      [c]: states[1],
    });
    return { out: out[this.decoderOutputs[0]], states: [out[this.decoderOutputs[2]], out[this.decoderOutputs[3]]] };
  }

  /** The joiner's logits for one encoder frame (a [dim] row) and a decoder output. */
  async join(frame: Float32Array, decoderOut: ort.Tensor): Promise<Float32Array> {
    const [enc, dec] = this.joinerInputs;
    const out = await this.joiner.run({ [enc]: new ort.Tensor('float32', frame, [1, frame.length, 1]), [dec]: decoderOut });
    return out[this.joinerOutput].data as Float32Array;
  }
}
