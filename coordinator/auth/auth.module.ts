import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysModule } from '../keys/keys.module.js';
import { RequestNonceEntity } from '../persistence/entities/request-nonce.entity.js';
import { RequestAuthenticator } from './request-authenticator.js';

/** Who is calling: signed gRPC calls from enrolled clinics (the interceptor in coordinator.ts uses it). */
@Module({
  imports: [TypeOrmModule.forFeature([RequestNonceEntity]), KeysModule],
  providers: [RequestAuthenticator],
  exports: [RequestAuthenticator],
})
export class AuthModule {}
