/**
 * Every size limit of both protocols (sidecar and webview), in one table, so a field that travels
 * sidecar -> host -> webview is held to one bound all the way. In characters (strings), items
 * (lists) or entries (maps).
 */
export const LIMITS = {
  /** Card fields, descriptions, progress messages. */
  field: 4096,
  /** A card's description is prose; model cards carry a paragraph or several. */
  cardDescription: 16 * 1024,
  path: 4096,
  fileName: 255,
  url: 2048,
  label: 256,
  role: 64,
  /** A comparison's transcript, a final's or partial's text, a log line: a long clip says a lot. */
  transcript: 64 * 1024,
  text: 64 * 1024,
  /** An error shown in the panel: the sidecar's message plus what to do. */
  errorMessage: 16 * 1024,
  metadataEntries: 256,
  metadataKey: 256,
  /** ONNX metadata values can hold whole configs; the message limit bounds the total. */
  metadataValue: 64 * 1024,
  /** An ONNX opset is a small version number; anything larger is not a real model. */
  opset: 1000,
  inspectedFiles: 64,
  exportedFiles: 64,
  catalogEntries: 256,
  catalogFiles: 64,
  /** Languages of one model: Whisper lists 100; a longer list is not a model's. */
  languages: 200,
  comparisonRows: 16,
  downloads: 256,
} as const;
