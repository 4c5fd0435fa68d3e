import { closeOnSignals } from '@baemin/platform';
import { start } from './server.js';

const router = await start();
closeOnSignals(router.close);
