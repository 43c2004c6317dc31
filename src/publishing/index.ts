/**
 * The publishing feature's public face: the push hook that keeps PUBLISHJOBFINISH for the
 * freepublish/submit it answers, and the reader the admin surface merges into freepublish/get.
 */
export {
  PUBLISH_EVENT_TTL_SECONDS,
  publishEventKey,
  publishJobHook,
  readPublishEvent,
  type PublishEventRecord,
} from "./publish-events";
