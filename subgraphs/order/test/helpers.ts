export {
  codeOf,
  createEnvelope,
  EmbeddedEventBus,
  eventsOn,
  type GqlResult,
  gql,
  type Loose,
  readyStatus,
  republish as publish,
  SECRET,
  tempDir,
  waitUntil as waitFor,
} from '@baemin/platform/testing';
