/**
 * ONNX external data: tensors whose bytes live in another file, named by a relative `location`.
 * A model folder is untrusted input (a download, a folder in a repository), so every such
 * reference anywhere in the model must name a regular file inside the model's own folder, or the
 * model is refused before onnxruntime sees it.
 *
 * Why Murmur checks this itself instead of leaving it to onnxruntime: onnxruntime 1.30 checks
 * initializers, but a `Constant` node's tensor attribute in a model loaded from bytes is resolved
 * against the process's working directory (often $HOME), so a crafted model could turn
 * `.ssh/id_ed25519` into a tensor, a transcript and a cache file. Tensors hide in many places:
 * initializers, sparse initializers (values and indices), node attributes (t, tensors,
 * sparse_tensor(s)), subgraphs of If/Loop/Scan at any depth, functions and training graphs. All
 * of them are walked here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../errors';
import { decodeMessage, fieldString, type WireField } from './protobuf';

// Field numbers of onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_TRAINING_INFO = 20;
const MODEL_FUNCTIONS = 25;
const TRAINING_INIT = 1;
const TRAINING_ALGO = 2;
const FUNCTION_NODE = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_NAME = 3;
const NODE_ATTRIBUTE = 5;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_SPARSE_TENSOR = 22;
const ATTR_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_NAME = 8;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1n;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

export interface ExternalDataRef {
  /** The `location` entry as written in the model ('' when missing). */
  location: string;
  /** Where in the model the tensor is, for error messages: "initializer w", "node c: attribute". */
  where: string;
}

/** Every tensor of the model that keeps its data in an external file. */
export function externalDataRefs(model: Uint8Array): ExternalDataRef[] {
  const refs: ExternalDataRef[] = [];
  const tensor = (bytes: Uint8Array, where: string) => {
    const t = decodeMessage(bytes);
    const entries = t.filter((f) => f.number === TENSOR_EXTERNAL_DATA).map((f) => decodeMessage(f.bytes));
    const external = t.some((f) => f.number === TENSOR_DATA_LOCATION && f.varint === DATA_LOCATION_EXTERNAL);
    // external_data without data_location=EXTERNAL is ignored by onnxruntime today; refusing it
    // too costs nothing and does not depend on that staying so.
    if (!external && entries.length === 0) return;
    const name = t.find((f) => f.number === TENSOR_NAME);
    const location = entries.find((e) => e.some((f) => f.number === ENTRY_KEY && fieldString(f) === 'location'))?.find((f) => f.number === ENTRY_VALUE);
    refs.push({ location: location ? fieldString(location) : '', where: name ? `${where} ${fieldString(name)}` : where });
  };
  const sparse = (bytes: Uint8Array, where: string) => {
    for (const f of decodeMessage(bytes)) if (f.number === SPARSE_VALUES || f.number === SPARSE_INDICES) tensor(f.bytes, where);
  };
  const nodeFields = (fields: readonly WireField[], within: string) => {
    const nameField = fields.find((f) => f.number === NODE_NAME);
    const where = `${within ? `${within}: ` : ''}node ${nameField ? fieldString(nameField) : '(unnamed)'}`;
    for (const f of fields) {
      if (f.number !== NODE_ATTRIBUTE) continue;
      for (const a of decodeMessage(f.bytes)) {
        if (a.number === ATTR_T || a.number === ATTR_TENSORS) tensor(a.bytes, `${where}, attribute`);
        else if (a.number === ATTR_SPARSE_TENSOR || a.number === ATTR_SPARSE_TENSORS) sparse(a.bytes, `${where}, sparse attribute`);
        else if (a.number === ATTR_G || a.number === ATTR_GRAPHS) graph(a.bytes, `${where}, subgraph`);
      }
    }
  };
  const graph = (bytes: Uint8Array, where: string) => {
    for (const f of decodeMessage(bytes)) {
      if (f.number === GRAPH_INITIALIZER) tensor(f.bytes, where ? `${where}: initializer` : 'initializer');
      else if (f.number === GRAPH_SPARSE_INITIALIZER) sparse(f.bytes, where ? `${where}: sparse initializer` : 'sparse initializer');
      else if (f.number === GRAPH_NODE) nodeFields(decodeMessage(f.bytes), where);
    }
  };
  for (const f of decodeMessage(model)) {
    if (f.number === MODEL_GRAPH) graph(f.bytes, '');
    else if (f.number === MODEL_FUNCTIONS) {
      for (const n of decodeMessage(f.bytes)) if (n.number === FUNCTION_NODE) nodeFields(decodeMessage(n.bytes), 'function');
    } else if (f.number === MODEL_TRAINING_INFO) {
      for (const g of decodeMessage(f.bytes)) if (g.number === TRAINING_INIT || g.number === TRAINING_ALGO) graph(g.bytes, 'training graph');
    }
  }
  return refs;
}

export interface ExternalDataFile {
  /** The location as the model names it. */
  location: string;
  /** Its real path (symlinks resolved), inside the model's folder. */
  realPath: string;
}

function unsafe(modelPath: string, ref: ExternalDataRef, why: string): MurmurError {
  return new MurmurError(
    'MODEL_UNSAFE',
    `${modelPath} was refused: its ${ref.where} keeps its data in "${ref.location}", which ${why}. A model may only use external data files in its own folder. Use a model from a source you trust, or re-export it with its weights inside the .onnx file.`,
  );
}

/**
 * The external data files `model` (the bytes of the file at `modelPath`) uses, each checked to be
 * a regular file inside the model's folder once symlinks are resolved; throws MODEL_UNSAFE for
 * any other reference. Sorted by location, each once.
 */
export function checkExternalData(model: Uint8Array, modelPath: string): ExternalDataFile[] {
  const refs = externalDataRefs(model);
  if (refs.length === 0) return [];
  const folder = fs.realpathSync(path.dirname(path.resolve(modelPath)));
  const files = new Map<string, ExternalDataFile>();
  for (const ref of refs) {
    const loc = ref.location;
    if (files.has(loc)) continue;
    if (loc === '') throw unsafe(modelPath, ref, 'is empty');
    if (path.isAbsolute(loc) || path.win32.isAbsolute(loc) || /^[\\/]/.test(loc)) throw unsafe(modelPath, ref, 'is an absolute path');
    if (loc.split(/[\\/]/).includes('..')) throw unsafe(modelPath, ref, 'leaves the model folder');
    // eslint-disable-next-line no-control-regex -- matching control characters is the point: such a location is refused
    if (/[\0-\x1f]/.test(loc)) throw unsafe(modelPath, ref, 'has control characters');
    let real: string;
    try {
      real = fs.realpathSync(path.join(folder, loc));
    } catch {
      throw unsafe(modelPath, ref, 'does not exist in the model folder');
    }
    const rel = path.relative(folder, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw unsafe(modelPath, ref, `resolves to ${real}, outside the model folder`);
    if (!fs.statSync(real).isFile()) throw unsafe(modelPath, ref, 'is not a regular file');
    files.set(loc, { location: loc, realPath: real });
  }
  return [...files.values()].sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
}

/** True if the model keeps data of any tensor outside its own file. */
export function hasExternalData(model: Uint8Array): boolean {
  return externalDataRefs(model).length > 0;
}
