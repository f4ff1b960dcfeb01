// Original file: protos/cohort/v1/federation.proto


export interface SecAggUnmask {
  'survivors'?: (string)[];
  'dropped'?: (string)[];
}

export interface SecAggUnmask__Output {
  'survivors': (string)[];
  'dropped': (string)[];
}
