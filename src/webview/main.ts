/**
 * Model export settings webview (runs in the webview's browser context, not in Node).
 * Placeholder until the export panel lands; kept so the webview bundle exists from the start.
 */
export {};
