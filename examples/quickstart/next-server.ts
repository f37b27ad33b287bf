import next from 'next';
import { createNextServer } from 'upsocket/next';

const { server } = await createNextServer(next, { dev: process.env.NODE_ENV !== 'production' });
server.listen(3000, () => console.log('Next.js at http://localhost:3000, chat at ws://localhost:3000/chat/lobby'));
