import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { refuse } from '../../common/errors.js';
import type { FetchKeyEnvelopeRequest__Output } from '../../protos/generated/cohort/v1/FetchKeyEnvelopeRequest.js';
import type { KeyEnvelope__Output } from '../../protos/generated/cohort/v1/KeyEnvelope.js';
import type { KeyEnvelopeDelivery } from '../../protos/generated/cohort/v1/KeyEnvelopeDelivery.js';
import type { KeyEnvelopesAck } from '../../protos/generated/cohort/v1/KeyEnvelopesAck.js';
import type { KeyRoster } from '../../protos/generated/cohort/v1/KeyRoster.js';
import type { KeyRosterRequest__Output } from '../../protos/generated/cohort/v1/KeyRosterRequest.js';
import type { KeyEnvelope } from '../../crypto/index.js';
import { FEDERATION_SERVICE, rethrow, toGrpcError } from '../grpc/grpc-errors.js';
import { ceremonyAckToWire, deliveryToWire, envelopeFromWire, rosterToWire } from './keys-wire.js';
import { KeysService } from './keys.service.js';

/** Most envelopes one ceremony may carry: bounds what a caller can make the coordinator buffer. */
export const MAX_CEREMONY_ENVELOPES = 1024;

/** The key ceremony over gRPC: roster, envelope submission (client stream) and delivery. */
@Controller()
export class KeysGrpcController {
  constructor(private readonly keys: KeysService) {}

  @GrpcMethod(FEDERATION_SERVICE, 'GetKeyRoster')
  async getKeyRoster(request: KeyRosterRequest__Output): Promise<KeyRoster> {
    return rosterToWire(await rethrow(this.keys.roster(request.clinicId, request.studyId)));
  }

  @GrpcMethod(FEDERATION_SERVICE, 'FetchKeyEnvelope')
  async fetchKeyEnvelope(request: FetchKeyEnvelopeRequest__Output): Promise<KeyEnvelopeDelivery> {
    return deliveryToWire(await rethrow(this.keys.envelopeFor(request.clinicId, request.studyId)));
  }

  /** Client stream on the raw call (see FederationController.uploadUpdate for why), bounded in count. */
  @GrpcStreamCall(FEDERATION_SERVICE, 'SubmitKeyEnvelopes')
  submitKeyEnvelopes(call: ServerReadableStream<KeyEnvelope__Output, KeyEnvelopesAck>, callback: sendUnaryData<KeyEnvelopesAck>): void {
    const envelopes: KeyEnvelope[] = [];
    let done = false;
    const finish = (error: unknown, ack?: KeyEnvelopesAck) => {
      if (done) return;
      done = true;
      call.removeAllListeners('data');
      if (error) callback(toGrpcError(error), null);
      else callback(null, ack);
    };
    call.on('data', (message: KeyEnvelope__Output) => {
      if (envelopes.length >= MAX_CEREMONY_ENVELOPES) return finish(refuse.tooLarge(`a key ceremony carries at most ${MAX_CEREMONY_ENVELOPES} envelopes`));
      envelopes.push(envelopeFromWire(message));
    });
    call.on('end', () => {
      if (done) return;
      this.keys.submitEnvelopes(envelopes).then((stored) => finish(null, ceremonyAckToWire(stored)), finish);
    });
    call.on('cancelled', () => (done = true));
    call.on('error', () => (done = true));
  }
}
