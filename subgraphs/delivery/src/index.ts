import { closeOnSignals } from '@baemin/platform';
import { start } from './server.js';

const s = await start();
closeOnSignals(s.close);
