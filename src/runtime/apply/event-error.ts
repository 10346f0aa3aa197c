/** An event that cannot be applied as it is: it is dead-lettered with this message as the reason. */
export class EventError extends Error {
  constructor(message: string, readonly projection: string, readonly eventType: string) {
    super(message);
    this.name = 'EventError';
  }
}
