import { describe, expect, it } from 'vitest';
import { type ChangeKind, InProcessChanges } from './changes.ts';

describe('InProcessChanges', () => {
  it('tells every subscriber and every local subscriber of each change, in order', () => {
    const changes = new InProcessChanges();
    const all: string[] = [];
    const local: string[] = [];
    changes.subscribe((u, k) => all.push(`${u}:${k}`));
    changes.subscribeLocal((u, k) => local.push(`${u}:${k}`));
    changes.publish('u1', 'usage');
    changes.publish('u2', 'limit_event');
    expect({ all, local }).toEqual({ all: ['u1:usage', 'u2:limit_event'], local: ['u1:usage', 'u2:limit_event'] });
  });

  it('keeps a failing subscriber from the writer and from the other subscribers, and reports it', () => {
    const errors: string[] = [];
    const changes = new InProcessChanges((e) => errors.push((e as Error).message));
    const heard: ChangeKind[] = [];
    changes.subscribeLocal(() => {
      throw new Error('evaluator down');
    });
    changes.subscribe((_, k) => heard.push(k));
    changes.publish('u1', 'official');
    expect({ heard, errors }).toEqual({ heard: ['official'], errors: ['evaluator down'] });
  });

  it('stops telling a subscriber that unsubscribed', () => {
    const changes = new InProcessChanges();
    const heard: string[] = [];
    const off = changes.subscribe((u) => heard.push(u));
    changes.publish('u1', 'usage');
    off();
    changes.publish('u2', 'usage');
    expect(heard).toEqual(['u1']);
  });
});
