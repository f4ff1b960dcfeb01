import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { from, Observable, concatMap, map, mergeMap } from 'rxjs';
import { ChunkAssembler, sha256, splitIntoChunks } from '../../common/chunk-stream.js';
import { refuse } from '../../common/errors.js';
import type { DownloadModelRequest__Output } from '../../protos/generated/cohort/v1/DownloadModelRequest.js';
import type { EvaluationAck } from '../../protos/generated/cohort/v1/EvaluationAck.js';
import type { EvaluationReport__Output } from '../../protos/generated/cohort/v1/EvaluationReport.js';
import type { ModelChunk } from '../../protos/generated/cohort/v1/ModelChunk.js';
import type { RegisterRequest__Output } from '../../protos/generated/cohort/v1/RegisterRequest.js';
import type { RegisterResponse } from '../../protos/generated/cohort/v1/RegisterResponse.js';
import type { SecAggAdvert__Output } from '../../protos/generated/cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours } from '../../protos/generated/cohort/v1/SecAggNeighbours.js';
import type { SecAggReveal__Output } from '../../protos/generated/cohort/v1/SecAggReveal.js';
import type { SecAggRevealAck } from '../../protos/generated/cohort/v1/SecAggRevealAck.js';
import type { SecAggShareDelivery } from '../../protos/generated/cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest__Output } from '../../protos/generated/cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggStageRequest__Output } from '../../protos/generated/cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask } from '../../protos/generated/cohort/v1/SecAggUnmask.js';
import type { Task } from '../../protos/generated/cohort/v1/Task.js';
import type { UpdateChunk__Output } from '../../protos/generated/cohort/v1/UpdateChunk.js';
import type { UploadAck } from '../../protos/generated/cohort/v1/UploadAck.js';
import type { WatchTasksRequest__Output } from '../../protos/generated/cohort/v1/WatchTasksRequest.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { SecAggStages, stageRoundId } from './secagg-stages.js';
import { stageCallFromWire, updateHeaderFromWire } from './request-wire.js';
import type { UpdateHeader } from '../protocols/update-header.js';
import { advertFromWire, neighboursToWire, sealedFromWire, sealedToWire, shareFromWire } from '../../wire/secagg-wire.js';
import { FederationService } from './federation.service.js';
import { FEDERATION_SERVICE, rethrow, toGrpcError } from '../grpc/grpc-errors.js';
import { modelSpecToWire, taskToWire } from './task-wire.js';
import { UploadValidator } from './upload-validator.js';

/** The gRPC face of the federation: translates calls to FederationService and refusals to status codes. */
@Controller()
export class FederationController {
  constructor(
    private readonly federation: FederationService,
    private readonly registry: ClinicRegistry,
    private readonly evaluations: Evaluations,
    private readonly uploads: UploadValidator,
    private readonly secAggStages: SecAggStages,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  @GrpcMethod(FEDERATION_SERVICE, 'Register')
  async register(request: RegisterRequest__Output): Promise<RegisterResponse> {
    const { clinicId, dataset, site, numTrain, numTest, nodeVersion } = request;
    const clinic = await rethrow(this.registry.register({ clinicId, dataset, site, numTrain, numTest, nodeVersion }));
    return { clinicId: clinic.id, maxChunkBytes: this.options.maxChunkBytes };
  }

  @GrpcMethod(FEDERATION_SERVICE, 'WatchTasks')
  watchTasks(request: WatchTasksRequest__Output): Observable<Task> {
    return from(rethrow(this.registry.requireClinic(request.clinicId))).pipe(
      mergeMap((clinic) => this.federation.watchTasks(clinic)),
      map(taskToWire),
    );
  }

  @GrpcMethod(FEDERATION_SERVICE, 'DownloadModel')
  downloadModel(request: DownloadModelRequest__Output): Observable<ModelChunk> {
    const load = async (): Promise<ModelChunk[]> => {
      await this.registry.requireClinic(request.clinicId);
      const { study, bytes, codec, keyId } = await this.federation.modelBytes(request.studyId, request.modelVersion);
      const header: ModelChunk = {
        header: {
          studyId: study.id,
          modelVersion: request.modelVersion,
          model: modelSpecToWire(study.model),
          codec,
          keyId,
          totalBytes: bytes.length,
          sha256: sha256(bytes),
        },
      };
      return [header, ...Array.from(splitIntoChunks(bytes, this.options.maxChunkBytes), (data) => ({ data }))];
    };
    return from(rethrow(load())).pipe(concatMap((chunks) => from(chunks)));
  }

  @GrpcMethod(FEDERATION_SERVICE, 'ReportEvaluation')
  async reportEvaluation(report: EvaluationReport__Output): Promise<EvaluationAck> {
    const { clinicId, studyId, modelVersion, numTest, numCorrect, accuracy, loss, concordantPairs, discordantPairs, tiedRiskPairs, cIndex } = report;
    await rethrow(
      this.evaluations.record({
        clinicId,
        studyId,
        modelVersion,
        numTest,
        numCorrect,
        accuracy,
        loss,
        concordantPairs,
        discordantPairs,
        tiedRiskPairs,
        cIndex,
        subgroups: report.subgroups.map(
          ({ subgroup, level, numTest, numCorrect, predictedPositive, observedPositive, concordantPairs, discordantPairs, tiedRiskPairs }) => ({
            subgroup,
            level,
            numTest,
            numCorrect,
            predictedPositive,
            observedPositive,
            concordantPairs,
            discordantPairs,
            tiedRiskPairs,
          }),
        ),
      }),
    );
    return { studyId: report.studyId, modelVersion: report.modelVersion };
  }

  // Secure aggregation: each stage call answers when its stage closes (SecAggRounds).

  @GrpcMethod(FEDERATION_SERVICE, 'SecAggAdvertise')
  secAggAdvertise(request: SecAggAdvert__Output): Promise<SecAggNeighbours> {
    const call = stageCallFromWire(request);
    return rethrow(async () => {
      const view = await this.secAggStages.advertise(call, advertFromWire(request, stageRoundId(call)));
      return neighboursToWire(view, call.studyId, call.round, call.attempt);
    });
  }

  @GrpcMethod(FEDERATION_SERVICE, 'SecAggShareKeys')
  secAggShareKeys(request: SecAggShareKeysRequest__Output): Promise<SecAggShareDelivery> {
    const call = stageCallFromWire(request);
    return rethrow(async () => {
      const delivered = await this.secAggStages.shareKeys(
        call,
        request.shares.map((box) => sealedFromWire(box, stageRoundId(call))),
      );
      return { shares: delivered.map(sealedToWire) };
    });
  }

  @GrpcMethod(FEDERATION_SERVICE, 'SecAggUnmaskRequest')
  secAggUnmaskRequest(request: SecAggStageRequest__Output): Promise<SecAggUnmask> {
    return rethrow(this.secAggStages.unmaskRequest(stageCallFromWire(request)));
  }

  @GrpcMethod(FEDERATION_SERVICE, 'SecAggRevealShares')
  secAggRevealShares(request: SecAggReveal__Output): Promise<SecAggRevealAck> {
    const call = stageCallFromWire(request);
    return rethrow(async () => {
      const shares = request.shares.map((share) => shareFromWire(share, stageRoundId(call), call.clinicId));
      return { revealed: await this.secAggStages.revealShares(call, shares) };
    });
  }

  /**
   * Client stream, handled on the raw call: Nest's Observable wrapper would buffer the whole stream
   * before the handler can refuse it. The header is checked before any data is kept, each chunk is
   * bounded by the declared size, and nothing is stored unless the stream ends complete and intact.
   * A header declaring exactly the update this clinic already sent for the round (same SHA-256: a
   * resend after a lost acknowledgement) is acknowledged at once with the round's count; the rest of
   * its stream is drained unread and nothing is stored or announced again.
   */
  @GrpcStreamCall(FEDERATION_SERVICE, 'UploadUpdate')
  uploadUpdate(call: ServerReadableStream<UpdateChunk__Output, UploadAck>, callback: sendUnaryData<UploadAck>): void {
    let header: UpdateHeader | undefined;
    let assembler: ChunkAssembler | undefined;
    let headerCheck: Promise<void> | undefined;
    let done = false;
    const fail = (error: unknown): void => {
      if (done) return;
      done = true;
      call.removeAllListeners('data');
      callback(toGrpcError(error), null);
    };
    call.on('data', (chunk: UpdateChunk__Output) => {
      if (done) return;
      try {
        if (chunk.header) {
          if (header) throw refuse.invalid('an upload carries exactly one header, as its first message');
          header = updateHeaderFromWire(chunk.header);
          const checked = header;
          // Read no data until the header passed: its declared size is then the model's exact size,
          // so nothing is allocated or buffered on the word of an unchecked header.
          call.pause();
          headerCheck = this.uploads.checkHeader(checked).then((stored) => {
            if (stored) {
              if (!done) callback(null, { studyId: checked.studyId, round: checked.round, receivedUpdates: stored.alreadyStored });
              done = true;
            } else {
              assembler = new ChunkAssembler(checked.totalBytes, Buffer.from(checked.sha256), `update from ${checked.clinicId} for round ${checked.round}`);
            }
            call.resume();
          }, fail);
        } else if (chunk.data) {
          if (!assembler) throw refuse.invalid('an upload must start with its header, before any data');
          if (chunk.data.length > this.options.maxChunkBytes) {
            throw refuse.tooLarge(`chunks may hold at most ${this.options.maxChunkBytes} bytes, got ${chunk.data.length}`);
          }
          assembler.push(chunk.data);
        } else {
          throw refuse.invalid('an upload chunk must carry a header or data');
        }
      } catch (error) {
        fail(error);
      }
    });
    call.on('end', () => {
      if (!headerCheck) return fail(refuse.invalid('the upload ended without a header'));
      void headerCheck.then(async () => {
        if (done || !header || !assembler) return;
        try {
          const received = await this.federation.acceptUpdate(header, assembler.finish());
          done = true;
          callback(null, { studyId: header.studyId, round: header.round, receivedUpdates: received });
        } catch (error) {
          fail(error);
        }
      });
    });
    // A client that disconnects mid-stream leaves nothing behind: the assembler is simply dropped.
    call.on('cancelled', () => {
      done = true;
    });
    call.on('error', () => {
      done = true;
    });
  }
}
