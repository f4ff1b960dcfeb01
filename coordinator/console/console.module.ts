import { Module } from '@nestjs/common';
import { SessionController } from './session.controller.js';

/** The browser console's server side: who the caller is. Its static files are served by serveConsole (serve-console.ts). */
@Module({ controllers: [SessionController] })
export class ConsoleModule {}
