// The interface and the in-process bus live in lib/ (the PostgreSQL fan-out implements it too).
export { InProcessLiveEvents, type LiveEvent, type LiveEvents } from '../lib/live-events.ts';
