// Original file: protos/cohort/v1/federation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DownloadModelRequest as _cohort_v1_DownloadModelRequest, DownloadModelRequest__Output as _cohort_v1_DownloadModelRequest__Output } from '../../cohort/v1/DownloadModelRequest.js';
import type { EvaluationAck as _cohort_v1_EvaluationAck, EvaluationAck__Output as _cohort_v1_EvaluationAck__Output } from '../../cohort/v1/EvaluationAck.js';
import type { EvaluationReport as _cohort_v1_EvaluationReport, EvaluationReport__Output as _cohort_v1_EvaluationReport__Output } from '../../cohort/v1/EvaluationReport.js';
import type { FetchKeyEnvelopeRequest as _cohort_v1_FetchKeyEnvelopeRequest, FetchKeyEnvelopeRequest__Output as _cohort_v1_FetchKeyEnvelopeRequest__Output } from '../../cohort/v1/FetchKeyEnvelopeRequest.js';
import type { KeyEnvelope as _cohort_v1_KeyEnvelope, KeyEnvelope__Output as _cohort_v1_KeyEnvelope__Output } from '../../cohort/v1/KeyEnvelope.js';
import type { KeyEnvelopeDelivery as _cohort_v1_KeyEnvelopeDelivery, KeyEnvelopeDelivery__Output as _cohort_v1_KeyEnvelopeDelivery__Output } from '../../cohort/v1/KeyEnvelopeDelivery.js';
import type { KeyEnvelopesAck as _cohort_v1_KeyEnvelopesAck, KeyEnvelopesAck__Output as _cohort_v1_KeyEnvelopesAck__Output } from '../../cohort/v1/KeyEnvelopesAck.js';
import type { KeyRoster as _cohort_v1_KeyRoster, KeyRoster__Output as _cohort_v1_KeyRoster__Output } from '../../cohort/v1/KeyRoster.js';
import type { KeyRosterRequest as _cohort_v1_KeyRosterRequest, KeyRosterRequest__Output as _cohort_v1_KeyRosterRequest__Output } from '../../cohort/v1/KeyRosterRequest.js';
import type { LedgerEntries as _cohort_v1_LedgerEntries, LedgerEntries__Output as _cohort_v1_LedgerEntries__Output } from '../../cohort/v1/LedgerEntries.js';
import type { LedgerHead as _cohort_v1_LedgerHead, LedgerHead__Output as _cohort_v1_LedgerHead__Output } from '../../cohort/v1/LedgerHead.js';
import type { LedgerHeadRequest as _cohort_v1_LedgerHeadRequest, LedgerHeadRequest__Output as _cohort_v1_LedgerHeadRequest__Output } from '../../cohort/v1/LedgerHeadRequest.js';
import type { ModelChunk as _cohort_v1_ModelChunk, ModelChunk__Output as _cohort_v1_ModelChunk__Output } from '../../cohort/v1/ModelChunk.js';
import type { RegisterRequest as _cohort_v1_RegisterRequest, RegisterRequest__Output as _cohort_v1_RegisterRequest__Output } from '../../cohort/v1/RegisterRequest.js';
import type { RegisterResponse as _cohort_v1_RegisterResponse, RegisterResponse__Output as _cohort_v1_RegisterResponse__Output } from '../../cohort/v1/RegisterResponse.js';
import type { SecAggAdvert as _cohort_v1_SecAggAdvert, SecAggAdvert__Output as _cohort_v1_SecAggAdvert__Output } from '../../cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours as _cohort_v1_SecAggNeighbours, SecAggNeighbours__Output as _cohort_v1_SecAggNeighbours__Output } from '../../cohort/v1/SecAggNeighbours.js';
import type { SecAggReveal as _cohort_v1_SecAggReveal, SecAggReveal__Output as _cohort_v1_SecAggReveal__Output } from '../../cohort/v1/SecAggReveal.js';
import type { SecAggRevealAck as _cohort_v1_SecAggRevealAck, SecAggRevealAck__Output as _cohort_v1_SecAggRevealAck__Output } from '../../cohort/v1/SecAggRevealAck.js';
import type { SecAggShareDelivery as _cohort_v1_SecAggShareDelivery, SecAggShareDelivery__Output as _cohort_v1_SecAggShareDelivery__Output } from '../../cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest as _cohort_v1_SecAggShareKeysRequest, SecAggShareKeysRequest__Output as _cohort_v1_SecAggShareKeysRequest__Output } from '../../cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggStageRequest as _cohort_v1_SecAggStageRequest, SecAggStageRequest__Output as _cohort_v1_SecAggStageRequest__Output } from '../../cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask as _cohort_v1_SecAggUnmask, SecAggUnmask__Output as _cohort_v1_SecAggUnmask__Output } from '../../cohort/v1/SecAggUnmask.js';
import type { Task as _cohort_v1_Task, Task__Output as _cohort_v1_Task__Output } from '../../cohort/v1/Task.js';
import type { UpdateChunk as _cohort_v1_UpdateChunk, UpdateChunk__Output as _cohort_v1_UpdateChunk__Output } from '../../cohort/v1/UpdateChunk.js';
import type { UploadAck as _cohort_v1_UploadAck, UploadAck__Output as _cohort_v1_UploadAck__Output } from '../../cohort/v1/UploadAck.js';
import type { WatchTasksRequest as _cohort_v1_WatchTasksRequest, WatchTasksRequest__Output as _cohort_v1_WatchTasksRequest__Output } from '../../cohort/v1/WatchTasksRequest.js';

export interface FederationClient extends grpc.Client {
  AppendLedgerEntries(argument: _cohort_v1_LedgerEntries, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  AppendLedgerEntries(argument: _cohort_v1_LedgerEntries, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  AppendLedgerEntries(argument: _cohort_v1_LedgerEntries, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  AppendLedgerEntries(argument: _cohort_v1_LedgerEntries, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  appendLedgerEntries(argument: _cohort_v1_LedgerEntries, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  appendLedgerEntries(argument: _cohort_v1_LedgerEntries, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  appendLedgerEntries(argument: _cohort_v1_LedgerEntries, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  appendLedgerEntries(argument: _cohort_v1_LedgerEntries, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  
  DownloadModel(argument: _cohort_v1_DownloadModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  DownloadModel(argument: _cohort_v1_DownloadModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  downloadModel(argument: _cohort_v1_DownloadModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  downloadModel(argument: _cohort_v1_DownloadModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  
  FetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  FetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  FetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  FetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  fetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  fetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  fetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  fetchKeyEnvelope(argument: _cohort_v1_FetchKeyEnvelopeRequest, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopeDelivery__Output>): grpc.ClientUnaryCall;
  
  GetKeyRoster(argument: _cohort_v1_KeyRosterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  GetKeyRoster(argument: _cohort_v1_KeyRosterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  GetKeyRoster(argument: _cohort_v1_KeyRosterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  GetKeyRoster(argument: _cohort_v1_KeyRosterRequest, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  getKeyRoster(argument: _cohort_v1_KeyRosterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  getKeyRoster(argument: _cohort_v1_KeyRosterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  getKeyRoster(argument: _cohort_v1_KeyRosterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  getKeyRoster(argument: _cohort_v1_KeyRosterRequest, callback: grpc.requestCallback<_cohort_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  
  GetLedgerHead(argument: _cohort_v1_LedgerHeadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  GetLedgerHead(argument: _cohort_v1_LedgerHeadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  GetLedgerHead(argument: _cohort_v1_LedgerHeadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  GetLedgerHead(argument: _cohort_v1_LedgerHeadRequest, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  getLedgerHead(argument: _cohort_v1_LedgerHeadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  getLedgerHead(argument: _cohort_v1_LedgerHeadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  getLedgerHead(argument: _cohort_v1_LedgerHeadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  getLedgerHead(argument: _cohort_v1_LedgerHeadRequest, callback: grpc.requestCallback<_cohort_v1_LedgerHead__Output>): grpc.ClientUnaryCall;
  
  Register(argument: _cohort_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _cohort_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _cohort_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _cohort_v1_RegisterRequest, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _cohort_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _cohort_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _cohort_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _cohort_v1_RegisterRequest, callback: grpc.requestCallback<_cohort_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
  ReportEvaluation(argument: _cohort_v1_EvaluationReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _cohort_v1_EvaluationReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _cohort_v1_EvaluationReport, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _cohort_v1_EvaluationReport, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _cohort_v1_EvaluationReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _cohort_v1_EvaluationReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _cohort_v1_EvaluationReport, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _cohort_v1_EvaluationReport, callback: grpc.requestCallback<_cohort_v1_EvaluationAck__Output>): grpc.ClientUnaryCall;
  
  SecAggAdvertise(argument: _cohort_v1_SecAggAdvert, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  SecAggAdvertise(argument: _cohort_v1_SecAggAdvert, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  SecAggAdvertise(argument: _cohort_v1_SecAggAdvert, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  SecAggAdvertise(argument: _cohort_v1_SecAggAdvert, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  secAggAdvertise(argument: _cohort_v1_SecAggAdvert, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  secAggAdvertise(argument: _cohort_v1_SecAggAdvert, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  secAggAdvertise(argument: _cohort_v1_SecAggAdvert, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  secAggAdvertise(argument: _cohort_v1_SecAggAdvert, callback: grpc.requestCallback<_cohort_v1_SecAggNeighbours__Output>): grpc.ClientUnaryCall;
  
  SecAggRevealShares(argument: _cohort_v1_SecAggReveal, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  SecAggRevealShares(argument: _cohort_v1_SecAggReveal, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  SecAggRevealShares(argument: _cohort_v1_SecAggReveal, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  SecAggRevealShares(argument: _cohort_v1_SecAggReveal, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  secAggRevealShares(argument: _cohort_v1_SecAggReveal, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  secAggRevealShares(argument: _cohort_v1_SecAggReveal, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  secAggRevealShares(argument: _cohort_v1_SecAggReveal, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  secAggRevealShares(argument: _cohort_v1_SecAggReveal, callback: grpc.requestCallback<_cohort_v1_SecAggRevealAck__Output>): grpc.ClientUnaryCall;
  
  SecAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  SecAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  SecAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  SecAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  secAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  secAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  secAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  secAggShareKeys(argument: _cohort_v1_SecAggShareKeysRequest, callback: grpc.requestCallback<_cohort_v1_SecAggShareDelivery__Output>): grpc.ClientUnaryCall;
  
  SecAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  SecAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  SecAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  SecAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  secAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  secAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  secAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  secAggUnmaskRequest(argument: _cohort_v1_SecAggStageRequest, callback: grpc.requestCallback<_cohort_v1_SecAggUnmask__Output>): grpc.ClientUnaryCall;
  
  SubmitKeyEnvelopes(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  SubmitKeyEnvelopes(metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  SubmitKeyEnvelopes(options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  SubmitKeyEnvelopes(callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  submitKeyEnvelopes(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  submitKeyEnvelopes(metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  submitKeyEnvelopes(options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  submitKeyEnvelopes(callback: grpc.requestCallback<_cohort_v1_KeyEnvelopesAck__Output>): grpc.ClientWritableStream<_cohort_v1_KeyEnvelope>;
  
  UploadUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  UploadUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  UploadUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  UploadUpdate(callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  uploadUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  uploadUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  uploadUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  uploadUpdate(callback: grpc.requestCallback<_cohort_v1_UploadAck__Output>): grpc.ClientWritableStream<_cohort_v1_UpdateChunk>;
  
  WatchTasks(argument: _cohort_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_Task__Output>;
  WatchTasks(argument: _cohort_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_Task__Output>;
  watchTasks(argument: _cohort_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_Task__Output>;
  watchTasks(argument: _cohort_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_Task__Output>;
  
}

export interface FederationHandlers extends grpc.UntypedServiceImplementation {
  AppendLedgerEntries: grpc.handleUnaryCall<_cohort_v1_LedgerEntries__Output, _cohort_v1_LedgerHead>;
  
  DownloadModel: grpc.handleServerStreamingCall<_cohort_v1_DownloadModelRequest__Output, _cohort_v1_ModelChunk>;
  
  FetchKeyEnvelope: grpc.handleUnaryCall<_cohort_v1_FetchKeyEnvelopeRequest__Output, _cohort_v1_KeyEnvelopeDelivery>;
  
  GetKeyRoster: grpc.handleUnaryCall<_cohort_v1_KeyRosterRequest__Output, _cohort_v1_KeyRoster>;
  
  GetLedgerHead: grpc.handleUnaryCall<_cohort_v1_LedgerHeadRequest__Output, _cohort_v1_LedgerHead>;
  
  Register: grpc.handleUnaryCall<_cohort_v1_RegisterRequest__Output, _cohort_v1_RegisterResponse>;
  
  ReportEvaluation: grpc.handleUnaryCall<_cohort_v1_EvaluationReport__Output, _cohort_v1_EvaluationAck>;
  
  SecAggAdvertise: grpc.handleUnaryCall<_cohort_v1_SecAggAdvert__Output, _cohort_v1_SecAggNeighbours>;
  
  SecAggRevealShares: grpc.handleUnaryCall<_cohort_v1_SecAggReveal__Output, _cohort_v1_SecAggRevealAck>;
  
  SecAggShareKeys: grpc.handleUnaryCall<_cohort_v1_SecAggShareKeysRequest__Output, _cohort_v1_SecAggShareDelivery>;
  
  SecAggUnmaskRequest: grpc.handleUnaryCall<_cohort_v1_SecAggStageRequest__Output, _cohort_v1_SecAggUnmask>;
  
  SubmitKeyEnvelopes: grpc.handleClientStreamingCall<_cohort_v1_KeyEnvelope__Output, _cohort_v1_KeyEnvelopesAck>;
  
  UploadUpdate: grpc.handleClientStreamingCall<_cohort_v1_UpdateChunk__Output, _cohort_v1_UploadAck>;
  
  WatchTasks: grpc.handleServerStreamingCall<_cohort_v1_WatchTasksRequest__Output, _cohort_v1_Task>;
  
}

export interface FederationDefinition extends grpc.ServiceDefinition {
  AppendLedgerEntries: MethodDefinition<_cohort_v1_LedgerEntries, _cohort_v1_LedgerHead, _cohort_v1_LedgerEntries__Output, _cohort_v1_LedgerHead__Output>
  DownloadModel: MethodDefinition<_cohort_v1_DownloadModelRequest, _cohort_v1_ModelChunk, _cohort_v1_DownloadModelRequest__Output, _cohort_v1_ModelChunk__Output>
  FetchKeyEnvelope: MethodDefinition<_cohort_v1_FetchKeyEnvelopeRequest, _cohort_v1_KeyEnvelopeDelivery, _cohort_v1_FetchKeyEnvelopeRequest__Output, _cohort_v1_KeyEnvelopeDelivery__Output>
  GetKeyRoster: MethodDefinition<_cohort_v1_KeyRosterRequest, _cohort_v1_KeyRoster, _cohort_v1_KeyRosterRequest__Output, _cohort_v1_KeyRoster__Output>
  GetLedgerHead: MethodDefinition<_cohort_v1_LedgerHeadRequest, _cohort_v1_LedgerHead, _cohort_v1_LedgerHeadRequest__Output, _cohort_v1_LedgerHead__Output>
  Register: MethodDefinition<_cohort_v1_RegisterRequest, _cohort_v1_RegisterResponse, _cohort_v1_RegisterRequest__Output, _cohort_v1_RegisterResponse__Output>
  ReportEvaluation: MethodDefinition<_cohort_v1_EvaluationReport, _cohort_v1_EvaluationAck, _cohort_v1_EvaluationReport__Output, _cohort_v1_EvaluationAck__Output>
  SecAggAdvertise: MethodDefinition<_cohort_v1_SecAggAdvert, _cohort_v1_SecAggNeighbours, _cohort_v1_SecAggAdvert__Output, _cohort_v1_SecAggNeighbours__Output>
  SecAggRevealShares: MethodDefinition<_cohort_v1_SecAggReveal, _cohort_v1_SecAggRevealAck, _cohort_v1_SecAggReveal__Output, _cohort_v1_SecAggRevealAck__Output>
  SecAggShareKeys: MethodDefinition<_cohort_v1_SecAggShareKeysRequest, _cohort_v1_SecAggShareDelivery, _cohort_v1_SecAggShareKeysRequest__Output, _cohort_v1_SecAggShareDelivery__Output>
  SecAggUnmaskRequest: MethodDefinition<_cohort_v1_SecAggStageRequest, _cohort_v1_SecAggUnmask, _cohort_v1_SecAggStageRequest__Output, _cohort_v1_SecAggUnmask__Output>
  SubmitKeyEnvelopes: MethodDefinition<_cohort_v1_KeyEnvelope, _cohort_v1_KeyEnvelopesAck, _cohort_v1_KeyEnvelope__Output, _cohort_v1_KeyEnvelopesAck__Output>
  UploadUpdate: MethodDefinition<_cohort_v1_UpdateChunk, _cohort_v1_UploadAck, _cohort_v1_UpdateChunk__Output, _cohort_v1_UploadAck__Output>
  WatchTasks: MethodDefinition<_cohort_v1_WatchTasksRequest, _cohort_v1_Task, _cohort_v1_WatchTasksRequest__Output, _cohort_v1_Task__Output>
}
