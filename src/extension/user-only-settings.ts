/** Kept free of `vscode` so node:test checks it against package.json. */

/**
 * Settings a workspace must not set (package.json: scope `application`, and listed in
 * capabilities.untrustedWorkspaces.restrictedConfigurations).
 */
export const USER_ONLY: readonly string[] = [
  // A workspace must never make dictation able to send a Chat message.
  'voice.sendCommand',
  'model.path',
  'model.family',
  'model.encoder',
  'model.decoder',
  'model.joiner',
  'model.tokens',
  // Like the model: a repository forcing a language would turn the user's speech into nonsense.
  'language',
  'microphone.device',
  'voice.mappingFile',
  'export.outputDirectory',
  'startEngineOnStartup',
  'engine.stopWhenIdleMinutes',
];
