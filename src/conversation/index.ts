/**
 * The conversation feature's public face: a follower's durable memory for bots
 * (`ctx.conversation`) and the Durable Object that holds it.
 */
export { conversationFor, ConversationValueError, type Conversation } from "./conversation";
export { ConversationMemory, MAX_CONVERSATION_BYTES } from "./conversation-memory";
