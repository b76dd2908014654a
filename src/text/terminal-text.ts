/**
 * Text for a terminal. What is sent to a terminal is typed into whatever runs there (a shell, an
 * editor, a REPL): a line break presses Enter and runs the line, a tab completes, Ctrl-C/Ctrl-D
 * interrupt or log out, and escape sequences drive the terminal itself (OSC 52 writes the
 * clipboard, ESC [201~ ends a bracketed paste). Dictated text, and the user's spoken forms
 * (murmur.voice.mappingFile) in particular, must only ever be typed: never submitted, never a key
 * chord. So every control character goes: C0 (with CR, LF, TAB, ESC), DEL, C1, and the Unicode line
 * and paragraph separators that some terminals and shells treat as line ends.
 *
 * Line breaks and tabs separate words, so they become one space; escape sequences are removed whole
 * (an ANSI colour code leaves no "[31m" behind); any other control character is dropped.
 * Dictation into a terminal never presses Enter: there is deliberately no voice command for it.
 */

/*
 * Escape sequences: CSI (ESC [ or the 8-bit U+009B, parameters, intermediates, a final byte) and
 * OSC/DCS/PM/APC strings (ESC ] P ^ _ or their 8-bit forms) up to BEL or ST (ESC \ or U+009C), or
 * to the end of the text when unterminated. Other two-character escapes (ESC c, ESC 7...) are ESC
 * plus one character.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const ESCAPE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]P^_]|[\u0090\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -~]?/g;

/** Line and word breaks, with the blanks around them: one space in their place. */
const BREAK = /[ ]*[\t\n\v\f\r\u0085\u2028\u2029]+[ ]*/g;

/** Whatever control character is left: C0, DEL, C1. */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` as it may be typed into a terminal: no character in it submits or controls anything. */
export function terminalText(text: string): string {
  return text.replace(ESCAPE, '').replace(BREAK, ' ').replace(CONTROL, '');
}
