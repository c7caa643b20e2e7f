import { MessageBar, MessageBarBody, ProgressBar, Spinner } from '@fluentui/react-components';
import type { TaskState } from './task';

/** The progress bar while a task runs and its closing message. */
export function TaskStatus({ task, testId }: { task: TaskState; testId: string }) {
  return (
    <div data-testid={testId} className="task-status">
      {task.busy &&
        (task.progress === null ? <Spinner size="tiny" label="Working…" /> : <ProgressBar value={task.progress} />)}
      {task.message && (
        <MessageBar intent={task.message.intent}>
          <MessageBarBody>{task.message.text}</MessageBarBody>
        </MessageBar>
      )}
    </div>
  );
}
