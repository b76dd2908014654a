/** Every UI test the harness (test/vscode/run.ts) runs, in order. */
import { chatDictation, keysElsewhere } from './chat.ui';
import { paletteDictation } from './dictation.ui';
import { exportPanel } from './export.ui';
import { followNewestWords } from './follow.ui';
import { modelErrorNotification } from './model-error.ui';
import { paletteShowLog } from './palette.ui';
import { twoWindows } from './two-windows.ui';
import type { UiTest } from './types';

export const UI_TESTS: readonly UiTest[] = [paletteShowLog, paletteDictation, followNewestWords, modelErrorNotification, exportPanel, twoWindows, chatDictation, keysElsewhere];
