import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { LedgerEntries__Output } from '../../protos/generated/cohort/v1/LedgerEntries.js';
import type { LedgerHead } from '../../protos/generated/cohort/v1/LedgerHead.js';
import type { LedgerHeadRequest__Output } from '../../protos/generated/cohort/v1/LedgerHeadRequest.js';
import { FEDERATION_SERVICE, rethrow } from '../grpc/grpc-errors.js';
import { LedgerService, type LedgerHeadView } from './ledger.service.js';

/** Clinics keep the coordinator's copy of their privacy ledger current: head, then the entries it lacks. */
@Controller()
export class LedgerGrpcController {
  constructor(private readonly ledger: LedgerService) {}

  @GrpcMethod(FEDERATION_SERVICE, 'GetLedgerHead')
  async getLedgerHead(request: LedgerHeadRequest__Output): Promise<LedgerHead> {
    return headToWire(await rethrow(this.ledger.head(request.clinicId)));
  }

  @GrpcMethod(FEDERATION_SERVICE, 'AppendLedgerEntries')
  async appendLedgerEntries(request: LedgerEntries__Output): Promise<LedgerHead> {
    // The entries stay the clinic's signed JSON texts: the service verifies them against the chain and stores them verbatim.
    return headToWire(await rethrow(this.ledger.append(request.clinicId, request.entries)));
  }
}

function headToWire(head: LedgerHeadView): LedgerHead {
  return { clinicId: head.clinicId, entries: head.entries, headHash: head.headHash };
}
