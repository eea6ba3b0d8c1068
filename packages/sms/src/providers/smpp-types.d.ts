// The `smpp` package (node-smpp 0.5) ships no types: this declares the client part the SMPP provider uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  /** A decoded `short_message`: a string, a raw buffer, or `{ udh, message }` when the UDH indicator is set. */
  export type DecodedShortMessage = string | Buffer | { udh?: Buffer[]; message: string | Buffer };

  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    system_id?: string;
    source_addr?: string;
    destination_addr?: string;
    esm_class?: number;
    data_coding?: number;
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
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    tls?: boolean;
  }

  interface SmppModule {
    connect(options: ConnectOptions): Session;
    PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
  }

  const smpp: SmppModule;
  export default smpp;
}
