import { useState } from 'preact/hooks';

export interface Submitting {
  busy: boolean;
  /** The last failure's message (the API's own "what to do next"), or ''. */
  error: string;
  /** What the last success said, or ''. */
  status: string;
  /** Runs one write: clears both messages, then shows the string `work` resolves to (if any), or the error it throws. */
  run: (work: () => Promise<unknown>) => Promise<void>;
  /** `run` for a form's onSubmit: the page stays put (no browser navigation). */
  onSubmit: (work: () => Promise<unknown>) => (e: Event) => void;
  /** Forgets both messages (a dialog opened again starts clean). */
  clear: () => void;
}

/** The one way a dashboard form or button posts: busy while running, its problem or its result after. */
export function useSubmit(): Submitting {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const run = async (work: () => Promise<unknown>) => {
    setError('');
    setStatus('');
    setBusy(true);
    try {
      const done = await work();
      if (typeof done === 'string') setStatus(done);
    } catch (err) {
      setError((err as Error).message);
    }
    setBusy(false);
  };
  const onSubmit = (work: () => Promise<unknown>) => (e: Event) => {
    e.preventDefault();
    void run(work);
  };
  const clear = () => {
    setError('');
    setStatus('');
  };
  return { busy, error, status, run, onSubmit, clear };
}
