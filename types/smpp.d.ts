// The `smpp` package (node-smpp 0.5) ships no types: this declares the part lingpai uses, once for
// the SMPP provider in @lingpai/sms and the SMSC in @lingpai/sandbox. Files that import 'smpp'
// reference this file with a triple-slash directive, so it never leaks into published types.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /** A decoded `short_message`: a string, or `{ udh, message }` when the UDH indicator is set. */
  export type DecodedShortMessage = string | Buffer | { udh?: Buffer[]; message: string | Buffer };

  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    system_id?: string;
    password?: string;
    source_addr?: string;
    destination_addr?: string;
    esm_class?: number;
    data_coding?: number;
    registered_delivery?: number;
    short_message?: DecodedShortMessage;
    message_payload?: DecodedShortMessage;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): Pdu;
  }

  export interface Session extends EventEmitter {
    socket: Socket;
    send(pdu: Pdu, responseCallback?: (response: Pdu) => void, sendCallback?: (pdu: Pdu) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    deliver_sm(options: Record<string, unknown>, responseCallback?: (response: Pdu) => void): boolean;
    on(event: 'pdu' | string, listener: (pdu: Pdu) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    tls?: boolean;
  }

  interface SmppModule {
    createServer(listener: (session: Session) => void): Server;
    connect(options: ConnectOptions): Session;
    PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
    ESME_ROK: number;
    ESME_RBINDFAIL: number;
    ESME_RINVPASWD: number;
    ESME_RINVSYSID: number;
    ESME_RINVBNDSTS: number;
    ESME_RALYBND: number;
    ESME_RINVDSTADR: number;
    ESME_RSYSERR: number;
    ESME_RTHROTTLED: number;
  }

  const smpp: SmppModule;
  export default smpp;
}
