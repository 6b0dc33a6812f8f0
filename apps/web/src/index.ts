export { startServer, createApp, BODY_LIMIT, type RunningServer, type ServeOptions } from './server.js';
export { loadSession, sessionFromObjects, type Session, type FlowInput } from './session.js';
export { ensureUiBuilt, uiBuildIsCurrent, UI_DIST } from './ui-build.js';
export { CONTENT_SECURITY_POLICY } from './security.js';
export { readClusterSession, watchClusterSessions, type LiveCluster, type LiveSessionOptions } from './live.js';
