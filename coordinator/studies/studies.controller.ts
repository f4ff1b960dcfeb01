import {
  BadRequestException,
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  Headers,
  HttpCode,
  type MessageEvent,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Res,
  Sse,
  UseFilters,
} from '@nestjs/common';
import { filter, type Observable } from 'rxjs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
} from '@nestjs/swagger';
import { isObject } from '../../common/json-fields.js';
import { parseStudyConfig, StudyConfigError } from '../config/study-config.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { ApiRoleGuarded } from '../http/openapi.js';
import { Read, Write } from '../http/roles.js';
import { FederationEventBus } from '../federation/federation-events.js';
import { FederationService } from '../federation/federation.service.js';
import { StudiesService } from './studies.service.js';
import { LiveStreams } from './live-streams.js';
import { resumeAfter, studyEventStream } from './study-stream.js';

/** Most audit events one GET /studies/:id/events returns. */
const MAX_EVENTS = 1000;

/** HTTP API: operators define studies; operators and auditors follow rounds and per-site metrics and export models. */
@Controller('studies')
@Read()
@ApiRoleGuarded('studies')
@UseFilters(HttpErrorsFilter)
export class StudiesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly federation: FederationService,
    private readonly bus: FederationEventBus,
    private readonly live: LiveStreams,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every study, newest first' })
  @ApiOkResponse({ description: 'the studies' })
  list() {
    return this.studies.list();
  }

  /**
   * Defines a study (201). A body with a `name` is idempotent: the study of that name is answered
   * (200) when its settings are the same, and refused (409) naming what differs; without a name the
   * study gets its default name, numbered when taken. The answer is the study with its effective
   * settings, and `warnings` (round 1 waiting for more clinics than are enrolled and approved).
   */
  @Post()
  @Write()
  @ApiOperation({ summary: 'Defines a study; with a name, idempotent (same settings: 200, different: 409)' })
  @ApiCreatedResponse({ description: 'the new study with its effective settings and warnings' })
  @ApiOkResponse({ description: 'a study of that name with the same settings already exists' })
  @ApiBadRequestResponse({ description: 'an invalid study: the body lists every problem' })
  @ApiConflictResponse({ description: 'a study of that name exists with other settings' })
  async create(@Body() body: unknown, @Res({ passthrough: true }) response: { status(code: number): unknown }) {
    const config = parseStudyConfig(body);
    const named = isObject(body) && typeof body['name'] === 'string';
    const { study, created } = named ? await this.federation.ensureStudy(config) : { study: await this.federation.createStudy(config), created: true };
    response.status(created ? 201 : 200);
    return { ...(await this.studies.detail(study)), warnings: await this.federation.studyWarnings(study) };
  }

  /**
   * Checks a study definition without creating it: `valid`, every problem at once, and the settings
   * it would run with (every default filled in). Answers 200 either way; POST /studies refuses the
   * same problems with a 400.
   */
  @Post('validate')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: 'Checks a study definition without creating it: every problem at once, or the settings with every default' })
  @ApiOkResponse({ description: '`{valid, problems, settings}`: valid with the effective settings, or invalid with every problem' })
  validate(@Body() body: unknown) {
    try {
      return { valid: true, problems: [], settings: parseStudyConfig(body) };
    } catch (error) {
      if (error instanceof StudyConfigError) return { valid: false, problems: error.problems, settings: null };
      throw error;
    }
  }

  /** Pauses a waiting or running study: an open round runs to its close, and no round opens until it is resumed. */
  @Post(':id/pause')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: 'Pauses a waiting or running study: an open round runs to its close' })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the study as it is now' })
  @ApiNotFoundResponse({ description: 'no such study' })
  @ApiConflictResponse({ description: 'the study cannot pause from its state' })
  async pause(@Param('id') id: string) {
    return this.studies.detail(await this.federation.changeStudy(id, 'pause'));
  }

  /** Resumes a paused study: its next round opens (round 1 once its clinics are connected). */
  @Post(':id/resume')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: 'Resumes a paused study: its next round opens' })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the study as it is now' })
  @ApiNotFoundResponse({ description: 'no such study' })
  @ApiConflictResponse({ description: 'the study cannot resume from its state' })
  async resume(@Param('id') id: string) {
    return this.studies.detail(await this.federation.changeStudy(id, 'resume'));
  }

  /** Cancels a study for good: an open round ends without a model version, and the study's clinics are told. Versions already made stay. */
  @Post(':id/cancel')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancels a study for good; versions already made stay' })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the study as it is now' })
  @ApiNotFoundResponse({ description: 'no such study' })
  @ApiConflictResponse({ description: 'the study cannot cancel from its state' })
  async cancel(@Param('id') id: string) {
    return this.studies.detail(await this.federation.changeStudy(id, 'cancel'));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A study: its settings, state, rounds and per-site metrics' })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the study' })
  @ApiNotFoundResponse({ description: 'no such study' })
  async detail(@Param('id') id: string) {
    return this.studies.detail(await this.require(id));
  }

  /**
   * The study's durable audit log in commit order: study started and finished, rounds opened,
   * closed and failed, updates received, refusals, evaluations, and privacy-ledger entries. Each is
   * written in the transaction of the change it records, once (a restart never repeats one).
   * `?after=SEQ` returns only later events (for polling); at most `limit` (default and cap 1000).
   */
  @Get(':id/events')
  @ApiOperation({ summary: "The study's audit log in commit order; ?after=SEQ for polling" })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiQuery({ name: 'after', required: false, type: Number, description: 'only events after this sequence number (default 0)' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'most events to answer (default and cap 1000)' })
  @ApiOkResponse({ description: 'the events' })
  @ApiBadRequestResponse({ description: 'after < 0, limit < 1, or not integers' })
  @ApiNotFoundResponse({ description: 'no such study' })
  async events(
    @Param('id') id: string,
    @Query('after', new DefaultValuePipe(0), ParseIntPipe) after: number,
    @Query('limit', new DefaultValuePipe(MAX_EVENTS), ParseIntPipe) limit: number,
  ) {
    const study = await this.require(id);
    if (after < 0 || limit < 1) throw new BadRequestException('after must be >= 0 and limit >= 1');
    return this.studies.events(study.id, after, Math.min(limit, MAX_EVENTS));
  }

  /**
   * The audit log of GET /studies/:id/events as server-sent events (`event: audit`, `id` the seq):
   * what is there after `Last-Event-ID` or `?after=`, then each event as it commits, and a
   * `heartbeat` event every 15 s. Bearer token as for every read.
   */
  @Sse(':id/stream')
  @ApiOperation({ summary: "The study's audit log as server-sent events, live; resumes after Last-Event-ID" })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiQuery({ name: 'after', required: false, description: 'send only events after this seq (Last-Event-ID wins when both are given)' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the seq of the last event the client has' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream: `event: audit` with `id` the seq, and `event: heartbeat` every 15 s' })
  @ApiBadRequestResponse({ description: 'Last-Event-ID or after is not a seq' })
  @ApiNotFoundResponse({ description: 'no such study' })
  async stream(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') after: string | undefined,
  ): Promise<Observable<MessageEvent>> {
    const study = await this.require(id);
    const resume = resumeAfter(lastEventId, after);
    if (typeof resume === 'string') throw new BadRequestException(resume);
    return this.live.follow(
      studyEventStream({
        load: (seq, limit) => this.studies.events(study.id, seq, limit),
        wake$: this.bus.events$.pipe(filter((event) => event.studyId === study.id)),
        after: resume,
      }),
    );
  }

  /** The study's newest model version, as GET /studies/:id/models/:version gives it (version 0 before round 1 closes). */
  @Get(':id/models/latest')
  @ApiOperation({ summary: "The study's newest model version (version 0 before round 1 closes)" })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the model version' })
  @ApiNotFoundResponse({ description: 'no such study' })
  async latestModel(@Param('id') id: string) {
    const study = await this.require(id);
    return this.model(id, await this.studies.latestVersion(study.id));
  }

  /**
   * A model version's parameters as JSON numbers, in the flat layout of the study's model spec. An
   * encrypted version has none the coordinator could show: only its codec, key and size.
   */
  @Get(':id/models/:version')
  @ApiOperation({ summary: "A model version's parameters (an encrypted one: its codec, key and size)" })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiParam({ name: 'version', type: Number, description: 'the model version number' })
  @ApiOkResponse({ description: 'the model version' })
  @ApiBadRequestResponse({ description: 'the version is not an integer' })
  @ApiNotFoundResponse({ description: 'no such study or version' })
  async model(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    const study = await this.require(id);
    const model = await this.studies.modelVersion(study.id, version);
    if (!model) throw new NotFoundException(`study ${id} has no model version ${version}`);
    const createdAt = new Date(model.createdAt).toISOString();
    if (!model.parameters) {
      return {
        studyId: id,
        version,
        model: study.model,
        encrypted: true,
        codec: model.codec,
        keyId: model.keyId,
        bytes: model.payload?.length ?? 0,
        createdAt,
      };
    }
    return { studyId: id, version, model: study.model, parameters: Array.from(model.parameters), createdAt };
  }

  private async require(id: string) {
    const study = await this.studies.find(id);
    if (!study) throw new NotFoundException(`study ${id} does not exist`);
    return study;
  }
}
