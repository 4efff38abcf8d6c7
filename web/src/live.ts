import { useEffect, useState } from 'preact/hooks';

/**
 * Follows GET /api/events. Each event bumps `tick` (debounced a little, so a burst of
 * exports is one refetch); EventSource reconnects by itself and sends Last-Event-ID.
 */
export function useLive(enabled: boolean): { tick: number; live: boolean } {
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/events');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bump = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        setTick((t) => t + 1);
      }, 250);
    };
    let hellos = 0;
    source.addEventListener('hello', () => {
      setLive(true);
      // A reconnect may have missed more than the server still holds: refetch everything.
      if (hellos++ > 0) bump();
    });
    for (const kind of ['usage', 'official', 'limit_event']) source.addEventListener(kind, bump);
    source.onerror = () => setLive(false);
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [enabled]);
  return { tick, live };
}
