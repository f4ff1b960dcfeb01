import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ClinicCard as _cohort_v1_ClinicCard, ClinicCard__Output as _cohort_v1_ClinicCard__Output } from './cohort/v1/ClinicCard.js';
import type { DownloadModelRequest as _cohort_v1_DownloadModelRequest, DownloadModelRequest__Output as _cohort_v1_DownloadModelRequest__Output } from './cohort/v1/DownloadModelRequest.js';
import type { DpSpec as _cohort_v1_DpSpec, DpSpec__Output as _cohort_v1_DpSpec__Output } from './cohort/v1/DpSpec.js';
import type { EncryptionSpec as _cohort_v1_EncryptionSpec, EncryptionSpec__Output as _cohort_v1_EncryptionSpec__Output } from './cohort/v1/EncryptionSpec.js';
import type { EvaluationAck as _cohort_v1_EvaluationAck, EvaluationAck__Output as _cohort_v1_EvaluationAck__Output } from './cohort/v1/EvaluationAck.js';
import type { EvaluationReport as _cohort_v1_EvaluationReport, EvaluationReport__Output as _cohort_v1_EvaluationReport__Output } from './cohort/v1/EvaluationReport.js';
import type { FederationClient as _cohort_v1_FederationClient, FederationDefinition as _cohort_v1_FederationDefinition } from './cohort/v1/Federation.js';
import type { FetchKeyEnvelopeRequest as _cohort_v1_FetchKeyEnvelopeRequest, FetchKeyEnvelopeRequest__Output as _cohort_v1_FetchKeyEnvelopeRequest__Output } from './cohort/v1/FetchKeyEnvelopeRequest.js';
import type { KeyEnvelope as _cohort_v1_KeyEnvelope, KeyEnvelope__Output as _cohort_v1_KeyEnvelope__Output } from './cohort/v1/KeyEnvelope.js';
import type { KeyEnvelopeDelivery as _cohort_v1_KeyEnvelopeDelivery, KeyEnvelopeDelivery__Output as _cohort_v1_KeyEnvelopeDelivery__Output } from './cohort/v1/KeyEnvelopeDelivery.js';
import type { KeyEnvelopesAck as _cohort_v1_KeyEnvelopesAck, KeyEnvelopesAck__Output as _cohort_v1_KeyEnvelopesAck__Output } from './cohort/v1/KeyEnvelopesAck.js';
import type { KeyRoster as _cohort_v1_KeyRoster, KeyRoster__Output as _cohort_v1_KeyRoster__Output } from './cohort/v1/KeyRoster.js';
import type { KeyRosterRequest as _cohort_v1_KeyRosterRequest, KeyRosterRequest__Output as _cohort_v1_KeyRosterRequest__Output } from './cohort/v1/KeyRosterRequest.js';
import type { LedgerEntries as _cohort_v1_LedgerEntries, LedgerEntries__Output as _cohort_v1_LedgerEntries__Output } from './cohort/v1/LedgerEntries.js';
import type { LedgerHead as _cohort_v1_LedgerHead, LedgerHead__Output as _cohort_v1_LedgerHead__Output } from './cohort/v1/LedgerHead.js';
import type { LedgerHeadRequest as _cohort_v1_LedgerHeadRequest, LedgerHeadRequest__Output as _cohort_v1_LedgerHeadRequest__Output } from './cohort/v1/LedgerHeadRequest.js';
import type { ModelChunk as _cohort_v1_ModelChunk, ModelChunk__Output as _cohort_v1_ModelChunk__Output } from './cohort/v1/ModelChunk.js';
import type { ModelHeader as _cohort_v1_ModelHeader, ModelHeader__Output as _cohort_v1_ModelHeader__Output } from './cohort/v1/ModelHeader.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from './cohort/v1/ModelSpec.js';
import type { RegisterRequest as _cohort_v1_RegisterRequest, RegisterRequest__Output as _cohort_v1_RegisterRequest__Output } from './cohort/v1/RegisterRequest.js';
import type { RegisterResponse as _cohort_v1_RegisterResponse, RegisterResponse__Output as _cohort_v1_RegisterResponse__Output } from './cohort/v1/RegisterResponse.js';
import type { SecAggAdvert as _cohort_v1_SecAggAdvert, SecAggAdvert__Output as _cohort_v1_SecAggAdvert__Output } from './cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours as _cohort_v1_SecAggNeighbours, SecAggNeighbours__Output as _cohort_v1_SecAggNeighbours__Output } from './cohort/v1/SecAggNeighbours.js';
import type { SecAggPeer as _cohort_v1_SecAggPeer, SecAggPeer__Output as _cohort_v1_SecAggPeer__Output } from './cohort/v1/SecAggPeer.js';
import type { SecAggReveal as _cohort_v1_SecAggReveal, SecAggReveal__Output as _cohort_v1_SecAggReveal__Output } from './cohort/v1/SecAggReveal.js';
import type { SecAggRevealAck as _cohort_v1_SecAggRevealAck, SecAggRevealAck__Output as _cohort_v1_SecAggRevealAck__Output } from './cohort/v1/SecAggRevealAck.js';
import type { SecAggRevealedShare as _cohort_v1_SecAggRevealedShare, SecAggRevealedShare__Output as _cohort_v1_SecAggRevealedShare__Output } from './cohort/v1/SecAggRevealedShare.js';
import type { SecAggSealedShares as _cohort_v1_SecAggSealedShares, SecAggSealedShares__Output as _cohort_v1_SecAggSealedShares__Output } from './cohort/v1/SecAggSealedShares.js';
import type { SecAggShareDelivery as _cohort_v1_SecAggShareDelivery, SecAggShareDelivery__Output as _cohort_v1_SecAggShareDelivery__Output } from './cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest as _cohort_v1_SecAggShareKeysRequest, SecAggShareKeysRequest__Output as _cohort_v1_SecAggShareKeysRequest__Output } from './cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggSpec as _cohort_v1_SecAggSpec, SecAggSpec__Output as _cohort_v1_SecAggSpec__Output } from './cohort/v1/SecAggSpec.js';
import type { SecAggStageRequest as _cohort_v1_SecAggStageRequest, SecAggStageRequest__Output as _cohort_v1_SecAggStageRequest__Output } from './cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask as _cohort_v1_SecAggUnmask, SecAggUnmask__Output as _cohort_v1_SecAggUnmask__Output } from './cohort/v1/SecAggUnmask.js';
import type { StrategySpec as _cohort_v1_StrategySpec, StrategySpec__Output as _cohort_v1_StrategySpec__Output } from './cohort/v1/StrategySpec.js';
import type { SubgroupReport as _cohort_v1_SubgroupReport, SubgroupReport__Output as _cohort_v1_SubgroupReport__Output } from './cohort/v1/SubgroupReport.js';
import type { Task as _cohort_v1_Task, Task__Output as _cohort_v1_Task__Output } from './cohort/v1/Task.js';
import type { TrainingConfig as _cohort_v1_TrainingConfig, TrainingConfig__Output as _cohort_v1_TrainingConfig__Output } from './cohort/v1/TrainingConfig.js';
import type { UpdateChunk as _cohort_v1_UpdateChunk, UpdateChunk__Output as _cohort_v1_UpdateChunk__Output } from './cohort/v1/UpdateChunk.js';
import type { UpdateHeader as _cohort_v1_UpdateHeader, UpdateHeader__Output as _cohort_v1_UpdateHeader__Output } from './cohort/v1/UpdateHeader.js';
import type { UploadAck as _cohort_v1_UploadAck, UploadAck__Output as _cohort_v1_UploadAck__Output } from './cohort/v1/UploadAck.js';
import type { WatchTasksRequest as _cohort_v1_WatchTasksRequest, WatchTasksRequest__Output as _cohort_v1_WatchTasksRequest__Output } from './cohort/v1/WatchTasksRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cohort: {
    v1: {
      ClinicCard: MessageTypeDefinition<_cohort_v1_ClinicCard, _cohort_v1_ClinicCard__Output>
      DownloadModelRequest: MessageTypeDefinition<_cohort_v1_DownloadModelRequest, _cohort_v1_DownloadModelRequest__Output>
      DpSpec: MessageTypeDefinition<_cohort_v1_DpSpec, _cohort_v1_DpSpec__Output>
      EncryptionSpec: MessageTypeDefinition<_cohort_v1_EncryptionSpec, _cohort_v1_EncryptionSpec__Output>
      EvaluationAck: MessageTypeDefinition<_cohort_v1_EvaluationAck, _cohort_v1_EvaluationAck__Output>
      EvaluationReport: MessageTypeDefinition<_cohort_v1_EvaluationReport, _cohort_v1_EvaluationReport__Output>
      Federation: SubtypeConstructor<typeof grpc.Client, _cohort_v1_FederationClient> & { service: _cohort_v1_FederationDefinition }
      FetchKeyEnvelopeRequest: MessageTypeDefinition<_cohort_v1_FetchKeyEnvelopeRequest, _cohort_v1_FetchKeyEnvelopeRequest__Output>
      KeyEnvelope: MessageTypeDefinition<_cohort_v1_KeyEnvelope, _cohort_v1_KeyEnvelope__Output>
      KeyEnvelopeDelivery: MessageTypeDefinition<_cohort_v1_KeyEnvelopeDelivery, _cohort_v1_KeyEnvelopeDelivery__Output>
      KeyEnvelopesAck: MessageTypeDefinition<_cohort_v1_KeyEnvelopesAck, _cohort_v1_KeyEnvelopesAck__Output>
      KeyRoster: MessageTypeDefinition<_cohort_v1_KeyRoster, _cohort_v1_KeyRoster__Output>
      KeyRosterRequest: MessageTypeDefinition<_cohort_v1_KeyRosterRequest, _cohort_v1_KeyRosterRequest__Output>
      LedgerEntries: MessageTypeDefinition<_cohort_v1_LedgerEntries, _cohort_v1_LedgerEntries__Output>
      LedgerHead: MessageTypeDefinition<_cohort_v1_LedgerHead, _cohort_v1_LedgerHead__Output>
      LedgerHeadRequest: MessageTypeDefinition<_cohort_v1_LedgerHeadRequest, _cohort_v1_LedgerHeadRequest__Output>
      ModelChunk: MessageTypeDefinition<_cohort_v1_ModelChunk, _cohort_v1_ModelChunk__Output>
      ModelHeader: MessageTypeDefinition<_cohort_v1_ModelHeader, _cohort_v1_ModelHeader__Output>
      ModelSpec: MessageTypeDefinition<_cohort_v1_ModelSpec, _cohort_v1_ModelSpec__Output>
      RegisterRequest: MessageTypeDefinition<_cohort_v1_RegisterRequest, _cohort_v1_RegisterRequest__Output>
      RegisterResponse: MessageTypeDefinition<_cohort_v1_RegisterResponse, _cohort_v1_RegisterResponse__Output>
      SecAggAdvert: MessageTypeDefinition<_cohort_v1_SecAggAdvert, _cohort_v1_SecAggAdvert__Output>
      SecAggNeighbours: MessageTypeDefinition<_cohort_v1_SecAggNeighbours, _cohort_v1_SecAggNeighbours__Output>
      SecAggPeer: MessageTypeDefinition<_cohort_v1_SecAggPeer, _cohort_v1_SecAggPeer__Output>
      SecAggReveal: MessageTypeDefinition<_cohort_v1_SecAggReveal, _cohort_v1_SecAggReveal__Output>
      SecAggRevealAck: MessageTypeDefinition<_cohort_v1_SecAggRevealAck, _cohort_v1_SecAggRevealAck__Output>
      SecAggRevealedShare: MessageTypeDefinition<_cohort_v1_SecAggRevealedShare, _cohort_v1_SecAggRevealedShare__Output>
      SecAggSealedShares: MessageTypeDefinition<_cohort_v1_SecAggSealedShares, _cohort_v1_SecAggSealedShares__Output>
      SecAggShareDelivery: MessageTypeDefinition<_cohort_v1_SecAggShareDelivery, _cohort_v1_SecAggShareDelivery__Output>
      SecAggShareKeysRequest: MessageTypeDefinition<_cohort_v1_SecAggShareKeysRequest, _cohort_v1_SecAggShareKeysRequest__Output>
      SecAggSpec: MessageTypeDefinition<_cohort_v1_SecAggSpec, _cohort_v1_SecAggSpec__Output>
      SecAggStageRequest: MessageTypeDefinition<_cohort_v1_SecAggStageRequest, _cohort_v1_SecAggStageRequest__Output>
      SecAggUnmask: MessageTypeDefinition<_cohort_v1_SecAggUnmask, _cohort_v1_SecAggUnmask__Output>
      StrategySpec: MessageTypeDefinition<_cohort_v1_StrategySpec, _cohort_v1_StrategySpec__Output>
      SubgroupReport: MessageTypeDefinition<_cohort_v1_SubgroupReport, _cohort_v1_SubgroupReport__Output>
      Task: MessageTypeDefinition<_cohort_v1_Task, _cohort_v1_Task__Output>
      TaskKind: EnumTypeDefinition
      TrainingConfig: MessageTypeDefinition<_cohort_v1_TrainingConfig, _cohort_v1_TrainingConfig__Output>
      UpdateChunk: MessageTypeDefinition<_cohort_v1_UpdateChunk, _cohort_v1_UpdateChunk__Output>
      UpdateHeader: MessageTypeDefinition<_cohort_v1_UpdateHeader, _cohort_v1_UpdateHeader__Output>
      UploadAck: MessageTypeDefinition<_cohort_v1_UploadAck, _cohort_v1_UploadAck__Output>
      WatchTasksRequest: MessageTypeDefinition<_cohort_v1_WatchTasksRequest, _cohort_v1_WatchTasksRequest__Output>
    }
  }
}

