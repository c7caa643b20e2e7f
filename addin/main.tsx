/// <reference types="office-js" />
import { createRoot } from 'react-dom/client';
import { officeHost } from './excel/workbook';
import { App } from './panes/App';
import './pane.css';

Office.onReady((info) => {
  const root = createRoot(document.getElementById('root')!);
  if (info.host !== Office.HostType.Excel) {
    root.render(
      <p style={{ padding: 16 }}>CreditDesk runs inside Excel: open it from the CreditDesk button on the Home tab.</p>,
    );
    return;
  }
  root.render(<App host={officeHost()} />);
});
