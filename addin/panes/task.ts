import { useCallback, useState } from 'react';

export interface TaskState {
  busy: boolean;
  progress: number | null;
  message: { intent: 'success' | 'error' | 'warning' | 'info'; text: string } | null;
}

/** One long operation at a time per pane, with progress and a closing message. */
export function useTask() {
  const [state, setState] = useState<TaskState>({ busy: false, progress: null, message: null });
  const progress = useCallback(
    (done: number, total: number) => setState((s) => ({ ...s, progress: total ? done / total : null })),
    [],
  );
  const run = useCallback(async (f: () => Promise<TaskState['message']>) => {
    setState({ busy: true, progress: null, message: null });
    try {
      const message = await f();
      setState({ busy: false, progress: null, message });
    } catch (e) {
      setState({
        busy: false,
        progress: null,
        message: { intent: 'error', text: e instanceof Error ? e.message : String(e) },
      });
    }
  }, []);
  return {
    ...state,
    run,
    onProgress: progress,
    setMessage: (message: TaskState['message']) => setState((s) => ({ ...s, message })),
  };
}
