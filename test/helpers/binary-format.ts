/**
 * What platform and processor a native binary is for, from its header alone (no `file` command):
 * ELF (Linux), PE (Windows), Mach-O (macOS, thin or universal).
 */
export interface BinaryKind {
  format: 'elf' | 'pe' | 'macho';
  platform: 'linux' | 'win32' | 'darwin';
  /** Node's names: x64, arm64, ia32, arm; or `machine-0x...` for anything else. */
  arch: string;
  /** ELFCLASS64 / PE32+ / MH_MAGIC_64: a 64-bit image. */
  bits64: boolean;
  /** Mach-O universal binaries: every architecture inside. */
  archs?: string[];
}

const ELF_MACHINES: Record<number, string> = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64' };
const PE_MACHINES: Record<number, string> = { 0x14c: 'ia32', 0x1c4: 'arm', 0x8664: 'x64', 0xaa64: 'arm64' };
const MACHO_CPUS: Record<number, string> = { 7: 'ia32', 0x01000007: 'x64', 12: 'arm', 0x0100000c: 'arm64' };

const name = (table: Record<number, string>, v: number) => table[v] ?? `machine-0x${v.toString(16)}`;

/** The kind of `bytes` (at least the first 4 KiB of the file), or undefined if it is no binary. */
export function binaryKind(bytes: Buffer): BinaryKind | undefined {
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    const little = bytes[5] === 1;
    const machine = little ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
    return { format: 'elf', platform: 'linux', arch: name(ELF_MACHINES, machine), bits64: bytes[4] === 2 };
  }
  if (bytes.length >= 64 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    if (pe + 26 > bytes.length || bytes.readUInt32LE(pe) !== 0x00004550) return undefined;
    return { format: 'pe', platform: 'win32', arch: name(PE_MACHINES, bytes.readUInt16LE(pe + 4)), bits64: bytes.readUInt16LE(pe + 24) === 0x20b };
  }
  if (bytes.length >= 8) {
    const magic = bytes.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) return { format: 'macho', platform: 'darwin', arch: name(MACHO_CPUS, bytes.readUInt32LE(4)), bits64: magic === 0xfeedfacf };
    if (bytes.readUInt32BE(0) === 0xcafebabe && bytes.readUInt32BE(4) < 32) {
      const archs = Array.from({ length: bytes.readUInt32BE(4) }, (_, i) => name(MACHO_CPUS, bytes.readUInt32BE(8 + i * 20)));
      return { format: 'macho', platform: 'darwin', arch: archs.join('+'), bits64: true, archs };
    }
  }
  return undefined;
}
