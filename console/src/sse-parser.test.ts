import { describe, expect, it } from '@jest/globals';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('reads events split anywhere across chunks', () => {
    const stream = 'id: 7\nevent: audit\ndata: {"seq":7}\n\n: comment\nevent: heartbeat\ndata: {}\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events).toEqual([
        { id: '7', type: 'audit', data: '{"seq":7}' },
        { id: '7', type: 'heartbeat', data: '{}' },
      ]);
    }
  });

  it('joins data lines, accepts CRLF and defaults the type to message', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r\ndata:b\r\n\r\n')).toEqual([{ id: null, type: 'message', data: 'a\nb' }]);
  });

  it('dispatches nothing for a blank line without data, and forgets its event type', () => {
    const parser = new SseParser();
    expect(parser.push('event: audit\n\ndata: x\n\n')).toEqual([{ id: null, type: 'message', data: 'x' }]);
  });
});
