import * as tf from '@tensorflow/tfjs';
import { layerShapes, parameterCount, type ModelSpec } from '../../common/model-spec.js';

/** A TensorFlow.js layers model as files: `model.json` (topology and weights manifest) and its weights. */
export interface LayersModelFiles {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

/** The name `model.json`'s manifest gives the weights file. */
export const WEIGHTS_FILE = 'weights.bin';

/**
 * A dense model (`logistic-regression`, `mlp`) of the flat parameter layout as a Keras-style
 * sequential model that `tf.loadLayersModel` loads: Dense layers, ReLU between them, a sigmoid
 * output (the probability of the positive class), or with K > 1 outputs a softmax (each class's
 * probability), or for linear-regression the value itself. Built and saved by TensorFlow.js itself, so the topology is what its loader expects.
 */
export async function layersModelFiles(spec: ModelSpec, parameters: Float32Array): Promise<LayersModelFiles> {
  if (spec.architecture !== 'logistic-regression' && spec.architecture !== 'mlp' && spec.architecture !== 'linear-regression')
    throw new Error(`a ${spec.architecture} model is exported as JSON, not as a TensorFlow.js network`);
  if (parameters.length !== parameterCount(spec))
    throw new Error(`the ${spec.architecture} model has ${parameterCount(spec)} parameters, got ${parameters.length}`);
  const shapes = layerShapes(spec);
  const model = tf.sequential();
  const output = spec.architecture === 'linear-regression' ? 'linear' : spec.outputDim > 1 ? 'softmax' : 'sigmoid';
  shapes.forEach(({ inputs, outputs }, i) =>
    model.add(tf.layers.dense({ units: outputs, activation: i === shapes.length - 1 ? output : 'relu', ...(i === 0 && { inputShape: [inputs] }) })),
  );
  let offset = 0;
  const take = (shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(parameters.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    return tensor;
  };
  const weights = shapes.flatMap(({ inputs, outputs }) => [take([inputs, outputs]), take([outputs])]);
  model.setWeights(weights);
  let files: LayersModelFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data as ArrayBuffer[]));
      files = {
        modelJson: {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        },
        weights: bytes,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  tf.dispose([...weights]);
  model.dispose();
  return files!;
}
