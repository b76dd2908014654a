/**
 * Reading WAV files into float samples, tolerant of what real writers produce and explicit about
 * what it cannot read.
 *
 * Supported: RIFF/WAVE (and RF64) with PCM 8-bit unsigned, 16/24/32-bit signed integer, IEEE float
 * 32/64, and WAVE_FORMAT_EXTENSIBLE carrying those. Chunks are walked in order; anything that is not
 * `fmt `, `data` or `ds64` (LIST, fact, cue, bext, JUNK...) is skipped, with the RIFF pad byte after
 * odd-sized chunks honoured.
 *
 * Tolerated damage: a data size of 0 or 0xFFFFFFFF (streaming writers that never patch the header)
 * means "the rest of the file"; a data size running past the end of the file uses what is there and
 * reports `truncated: true`. Everything else that is wrong fails with a MurmurError whose message
 * says what the file is and how to convert it.
 *
 * Samples are returned INTERLEAVED (frame by frame, channel by channel) as float32 in [-1, 1];
 * `toMono16k` turns that into what the recognizers take.
 */
import * as fs from 'node:fs';
import { MurmurError } from '../errors';
import { downmix, resample } from './resample';

export type WavSampleFormat = 'pcm' | 'float';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Bits per sample of the container (8, 16, 24, 32, 64). */
  bitsPerSample: number;
  /** Integer PCM (8-bit unsigned, wider signed) or IEEE float. */
  format: WavSampleFormat;
  /** True when the format chunk was WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
  /** Interleaved samples, `frames * channels` long, in [-1, 1] (float files may exceed it). */
  samples: Float32Array;
  frames: number;
  durationSec: number;
  /** The data chunk claimed more bytes than the file holds; `samples` is what was there. */
  truncated: boolean;
}

const CONVERT_HINT = 'Convert it to WAV, e.g. `ffmpeg -i input -ar 16000 -ac 1 output.wav` or `sox input -r 16000 -c 1 output.wav`.';
/** For a header that lies: re-saving through a tolerant reader rewrites it. */
const CORRUPT_HINT = 'If the recording was cut short, record or export it again; otherwise re-save it, e.g. `ffmpeg -i input.wav -ar 16000 -ac 1 output.wav`.';
/** For a well-formed file without audio (a recorder stopped at once, or one that crashed before writing any). */
const NO_AUDIO_HINT = 'Record again (check that the microphone delivers sound), or choose a file that has audio in it.';

/** Sanity limits: a header outside these is corrupt rather than exotic. */
const MAX_SAMPLE_RATE = 1_536_000;
const MAX_CHANNELS = 64;
/** Files are read whole; Buffer cannot hold more than this anyway. */
const MAX_FILE_BYTES = 2 ** 31 - 1;

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Names for format tags people actually meet, so the error can say what the file is. */
const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'μ-law (mu-law)',
  0x0011: 'IMA ADPCM',
  0x0022: 'TrueSpeech',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MP3',
  0x0064: 'G.726 ADPCM',
  0x0161: 'Windows Media Audio',
  0x00ff: 'AAC',
  0x1610: 'AAC (HE-AAC/ADTS)',
  0x2000: 'Dolby AC-3',
  0xf1ac: 'FLAC',
};

export function readWav(filePath: string): WavAudio {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new MurmurError('AUDIO_NOT_FOUND', `Audio file not found: ${filePath} (a folder on that path is a file). Check the path.`);
    if (code === 'EACCES') throw new MurmurError('AUDIO_NOT_FOUND', `Cannot reach the audio file ${filePath}: permission denied on a folder of its path. Check the folders' permissions.`);
    throw new MurmurError('AUDIO_NOT_FOUND', `Audio file not found: ${filePath}`);
  }
  if (stat.isDirectory()) throw new MurmurError('AUDIO_NOT_FOUND', `${filePath} is a directory, not an audio file. Choose a .wav file.`);
  if (stat.size > MAX_FILE_BYTES) {
    throw new MurmurError('AUDIO_UNSUPPORTED', `${filePath} is ${(stat.size / 2 ** 30).toFixed(1)} GiB; WAV files over 2 GiB are not supported. Split it first, e.g. with sox input.wav part.wav trim 0 3600 : newfile : restart.`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new MurmurError('AUDIO_NOT_FOUND', `Cannot read the audio file ${filePath}: ${why}. Check the file's permissions (it must be readable by you).`);
  }
  try {
    return parseWav(bytes);
  } catch (e) {
    // Name the file in the message: the parser only sees bytes.
    if (e instanceof MurmurError) throw new MurmurError(e.code, `${filePath}: ${e.message}`, e.detail);
    throw e;
  }
}

export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fileLength = bytes.byteLength;
  if (fileLength === 0) throw unsupported('The file is empty (0 bytes).');
  const magic = ascii(bytes, 0, 4);
  if (fileLength < 12 || (magic !== 'RIFF' && magic !== 'RF64') || ascii(bytes, 8, 4) !== 'WAVE') {
    throw unsupported(`Not a WAV file: ${describeSignature(bytes)}. ${CONVERT_HINT}`);
  }

  let fmt: FormatChunk | undefined;
  let dataOffset = -1;
  let dataSize = 0;
  let dataSizeFromHeader = true;
  let rf64DataSize: number | undefined;
  let offset = 12;
  while (offset + 8 <= fileLength) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      dataOffset = body;
      const rest = fileLength - body;
      if (rf64DataSize !== undefined && size === 0xffffffff) {
        dataSize = rf64DataSize;
      } else if (size === 0xffffffff || (size === 0 && rest > 0 && !looksLikeChunkChain(bytes, view, body))) {
        // A streaming writer that never went back to patch the size: the data is the rest.
        dataSize = rest;
        dataSizeFromHeader = false;
      } else {
        dataSize = size;
      }
      // Data running to (or past) the end of the file is the last chunk; nothing to walk after it.
      if (body + dataSize >= fileLength) break;
      offset = body + dataSize + (dataSize & 1);
      continue;
    }
    if (body + size > fileLength) {
      // A header chunk that runs off the end: corrupt or truncated before any audio.
      if (fmt && dataOffset >= 0) break;
      throw unsupported(
        `The '${printable(id)}' chunk at byte ${offset} claims ${size} bytes but only ${fileLength - body} remain: the file is truncated or the header is corrupt${fmt ? ', and no data chunk was found' : ''}. ${CORRUPT_HINT}`,
      );
    }
    if (id === 'fmt ') fmt = parseFormat(view, body, size);
    else if (id === 'ds64' && size >= 24) rf64DataSize = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    offset = body + size + (size & 1);
  }

  if (!fmt) throw unsupported(`The WAV file has no 'fmt ' chunk, so its encoding is unknown. ${CONVERT_HINT}`);
  if (dataOffset < 0) throw unsupported(`The WAV file has no data chunk: it contains no audio. ${NO_AUDIO_HINT}`);
  if (dataSize === 0) throw unsupported(`The WAV file contains no audio (its data chunk is empty: only a header was written). ${NO_AUDIO_HINT}`);

  const bytesPerSample = fmt.bitsPerSample / 8;
  const blockAlign = bytesPerSample * fmt.channels;
  const available = Math.min(dataSize, fileLength - dataOffset);
  const truncated = dataSizeFromHeader && dataSize > fileLength - dataOffset;
  const frames = Math.floor(available / blockAlign);
  if (frames === 0) throw unsupported(`The WAV file contains no audio: its data chunk holds ${available} bytes, less than one ${blockAlign}-byte frame. ${NO_AUDIO_HINT}`);

  const samples = decodeSamples(view, dataOffset, frames * fmt.channels, fmt);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    format: fmt.format,
    extensible: fmt.extensible,
    samples,
    frames,
    durationSec: frames / fmt.sampleRate,
    truncated,
  };
}

/** Downmixes (channel mean) and resamples to what the recognizers take: 16 kHz mono float32. */
export function toMono16k(wav: WavAudio): Float32Array {
  const mono = wav.channels === 1 ? wav.samples : downmix(wav.samples, wav.channels);
  return resample(mono, wav.sampleRate, 16000);
}

interface FormatChunk {
  format: WavSampleFormat;
  extensible: boolean;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function parseFormat(view: DataView, body: number, size: number): FormatChunk {
  if (size < 16) throw unsupported(`The 'fmt ' chunk is ${size} bytes, shorter than the 16 any WAV format needs: the header is corrupt. ${CORRUPT_HINT}`);
  let tag = view.getUint16(body, true);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  const extensible = tag === FORMAT_EXTENSIBLE;
  if (extensible) {
    if (size < 40) throw unsupported(`The WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is ${size} bytes, shorter than the 40 it needs: the header is corrupt. ${CORRUPT_HINT}`);
    // The sub-format GUID starts with the classic format tag (KSDATAFORMAT_SUBTYPE_PCM = 0x0001...).
    tag = view.getUint16(body + 24, true);
  }
  const where = extensible ? `WAVE_FORMAT_EXTENSIBLE sub-format 0x${hex4(tag)}` : `format tag 0x${hex4(tag)}`;
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    const name = FORMAT_NAMES[tag];
    throw unsupported(`The WAV file is ${name ? `${name}-encoded (${where})` : `in an unsupported encoding (${where})`}; Murmur reads PCM integer and IEEE float WAV only. ${CONVERT_HINT}`);
  }
  if (channels === 0) throw unsupported(`The WAV header says the file has 0 channels: the header is corrupt. ${CORRUPT_HINT}`);
  if (channels > MAX_CHANNELS) throw unsupported(`The WAV header says the file has ${channels} channels (at most ${MAX_CHANNELS} are supported): the header is corrupt. ${CORRUPT_HINT}`);
  if (sampleRate < 1 || sampleRate > MAX_SAMPLE_RATE) throw unsupported(`The WAV header says the sample rate is ${sampleRate} Hz, which is not plausible: the header is corrupt. ${CORRUPT_HINT}`);
  const format: WavSampleFormat = tag === FORMAT_FLOAT ? 'float' : 'pcm';
  const supported = format === 'float' ? [32, 64] : [8, 16, 24, 32];
  if (!supported.includes(bitsPerSample)) {
    throw unsupported(`${bitsPerSample}-bit ${format === 'float' ? 'IEEE float' : 'PCM'} WAV is not supported (${format === 'float' ? '32 or 64' : '8, 16, 24 or 32'} bits are). ${CONVERT_HINT}`);
  }
  return { format, extensible, channels, sampleRate, bitsPerSample };
}

function decodeSamples(view: DataView, offset: number, count: number, fmt: FormatChunk): Float32Array {
  const out = new Float32Array(count);
  if (fmt.format === 'float') {
    if (fmt.bitsPerSample === 32) for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
    return out;
  }
  switch (fmt.bitsPerSample) {
    case 8:
      // 8-bit WAV is unsigned with 128 as zero.
      for (let i = 0; i < count; i++) out[i] = (view.getUint8(offset + i) - 128) / 128;
      break;
    case 16:
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, true) / 32768;
      break;
    case 24:
      for (let i = 0; i < count; i++) {
        const p = offset + 3 * i;
        // Low 16 bits unsigned, high byte signed: assembles the two's-complement 24-bit value.
        out[i] = (view.getUint16(p, true) + view.getInt8(p + 2) * 65536) / 8388608;
      }
      break;
    default:
      // 32-bit; 24-in-32 extensible files are left-justified, so this is right for them too.
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, true) / 2147483648;
  }
  return out;
}

/**
 * After a data chunk whose size says 0: true when the bytes that follow are a well-formed chunk
 * (a real, empty data chunk followed by LIST etc.), false when they look like raw audio that a
 * streaming writer never accounted for.
 */
function looksLikeChunkChain(bytes: Uint8Array, view: DataView, offset: number): boolean {
  if (offset + 8 > bytes.byteLength) return false;
  const id = ascii(bytes, offset, 4);
  if (!/^[A-Za-z0-9 _-]{4}$/.test(id)) return false;
  return offset + 8 + view.getUint32(offset + 4, true) <= bytes.byteLength;
}

/** Says what a non-WAV file looks like, from its first bytes. */
function describeSignature(bytes: Uint8Array): string {
  const s4 = ascii(bytes, 0, 4);
  if (bytes.byteLength < 12 && (s4 === 'RIFF' || s4 === 'RF64')) return `it is only ${bytes.byteLength} bytes, too short for a WAV header`;
  if (s4 === 'RIFF' || s4 === 'RF64') return `it is a RIFF file of type '${printable(ascii(bytes, 8, 4))}', not WAVE (AVI/WebP/other)`;
  if (s4 === 'RIFX') return 'it is a big-endian RIFX WAV, which is not supported';
  // ADTS AAC and MPEG audio share the 0xFFE sync word; AAC has layer bits 00, MP3 does not.
  if (bytes[0] === 0xff && bytes.byteLength > 1 && (bytes[1] & 0xf6) === 0xf0) return 'it looks like an AAC (ADTS) file';
  if (ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && bytes.byteLength > 1 && (bytes[1] & 0xe0) === 0xe0)) return 'it looks like an MP3 file';
  if (s4 === 'fLaC') return 'it looks like a FLAC file';
  if (s4 === 'OggS') return 'it looks like an Ogg file (Vorbis/Opus)';
  if (s4 === 'FORM' && /^AIF[FC]$/.test(ascii(bytes, 8, 4))) return 'it looks like an AIFF file';
  if (s4 === '.snd') return 'it looks like a Sun/NeXT .au file';
  if (s4 === 'caff') return 'it looks like a Core Audio (CAF) file';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'it looks like an MP4/M4A/AAC file';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'it looks like a WebM/Matroska file';
  if (ascii(bytes, 0, 5) === '#!AMR') return 'it looks like an AMR file';
  const head = Array.from(bytes.subarray(0, Math.min(8, bytes.byteLength)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${head}, not "RIFF....WAVE"`;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < bytes.byteLength; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function unsupported(message: string): MurmurError {
  return new MurmurError('AUDIO_UNSUPPORTED', message);
}
