import { Injectable } from '@nestjs/common';

/** What the coordinator's start-up has reached, for `/ready`: set by startCoordinator once gRPC listens. */
@Injectable()
export class Readiness {
  grpcListening = false;
  /** Set when the coordinator begins to close: it is no longer ready for new work. */
  closing = false;
}
