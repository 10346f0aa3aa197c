/**
 * Dead letters: one interface (sink.ts), two implementations, the sc_dead_letters table
 * (table.ts) and the `<topic>.dlq` topic (topic.ts). The names callers import from here.
 */
export { cutText, HEADER_MAX_BYTES, type DeadLetter, type DeadLetterSink } from './sink.js';
export { deadLetterRow, deadLetterRowBytes, fittedDeadLetterRow, ROW_REASON_MAX_BYTES, rowReason, TABLE_DEAD_LETTERS } from './table.js';
export { deadLetterHeaders, DEFAULT_MAX_MESSAGE_BYTES, dlqTopic, fitLetter, kafkaDeadLetters, type LetterProducer } from './topic.js';
