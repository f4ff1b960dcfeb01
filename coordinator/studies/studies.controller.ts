import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, ParseIntPipe, Post } from '@nestjs/common';
import { Read, Write } from '../auth/roles.js';
import { FederationService } from '../federation/federation.service.js';
import { StudiesService } from './studies.service.js';
import { parseStudyConfig, StudyConfigError } from './study-config.js';

/** HTTP API: operators define studies; operators and auditors follow rounds and per-site metrics and export models. */
@Controller('studies')
@Read()
export class StudiesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly federation: FederationService,
  ) {}

  @Get()
  list() {
    return this.studies.list();
  }

  @Post()
  @Write()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    let config;
    try {
      config = parseStudyConfig(body);
    } catch (error) {
      if (error instanceof StudyConfigError) throw new BadRequestException({ message: error.message, problems: error.problems });
      throw error;
    }
    const study = await this.federation.createStudy(config);
    return this.studies.detail(study);
  }

  @Get(':id')
  async detail(@Param('id') id: string) {
    return this.studies.detail(await this.require(id));
  }

  /**
   * A model version's parameters as JSON numbers, in the flat layout of the study's model spec. An
   * encrypted version has none the coordinator could show: only its codec, key and size.
   */
  @Get(':id/models/:version')
  async model(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    const study = await this.require(id);
    const model = await this.studies.modelVersion(study.id, version);
    if (!model) throw new NotFoundException(`study ${id} has no model version ${version}`);
    const createdAt = new Date(model.createdAt).toISOString();
    if (!model.parameters) {
      return { studyId: id, version, model: study.model, encrypted: true, codec: model.codec, keyId: model.keyId, bytes: model.payload?.length ?? 0, createdAt };
    }
    return { studyId: id, version, model: study.model, parameters: Array.from(model.parameters), createdAt };
  }

  private async require(id: string) {
    const study = await this.studies.find(id);
    if (!study) throw new NotFoundException(`study ${id} does not exist`);
    return study;
  }
}
