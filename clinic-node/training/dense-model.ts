import * as tf from '@tensorflow/tfjs';
import { layerShapes, parameterCount, type ModelSpec } from '../../common/model-spec.js';
import type { Examples } from '../data/dataset.js';

/**
 * The model of a spec as plain TensorFlow.js variables in the flat layout of common/model-spec.ts
 * (per layer: kernel [in, out] row-major, then bias), so loading and saving a parameter vector is
 * a slice, not a conversion. ReLU between layers; the output is a logit (sigmoid applied in the loss),
 * or with outputDim K > 1 the K logits of a softmax over the classes 0..K-1 (multiclass).
 */
export class DenseModel {
  readonly variables: tf.Variable[];

  constructor(
    readonly spec: ModelSpec,
    parameters: Float32Array,
  ) {
    if (parameters.length !== parameterCount(spec)) {
      throw new Error(`the model has ${parameterCount(spec)} parameters, got a vector of ${parameters.length}`);
    }
    let offset = 0;
    const take = (shape: number[]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      // tidy frees the initial tensor; the variable (not tracked by tidy) keeps its own copy.
      const v = tf.tidy(() => tf.variable(tf.tensor(parameters.subarray(offset, offset + size), shape, 'float32')));
      offset += size;
      return v;
    };
    this.variables = layerShapes(spec).flatMap(({ inputs, outputs }) => [take([inputs, outputs]), take([outputs])]);
  }

  /** Logits, `[rows, outputDim]`. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    for (let i = 0; i < this.variables.length; i += 2) {
      h = tf.add(tf.matMul(h, this.variables[i] as tf.Tensor2D), this.variables[i + 1]!);
      if (i + 2 < this.variables.length) h = tf.relu(h);
    }
    return h;
  }

  /**
   * Mean binary cross-entropy of the sigmoid output, as torch's BCELoss on sigmoid probabilities;
   * with K > 1 outputs the mean softmax cross-entropy of the class indices in `y` (torch's CrossEntropyLoss).
   */
  loss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return outputLoss(this.spec, y, this.logits(x));
  }

  parameters(): Float32Array {
    const out = new Float32Array(parameterCount(this.spec));
    let offset = 0;
    for (const v of this.variables) {
      const values = v.dataSync() as Float32Array;
      out.set(values, offset);
      offset += values.length;
    }
    return out;
  }

  /**
   * Accuracy at 0.5 (logit > 0), or of the most probable class with K > 1 outputs, and mean loss over
   * every example. The calibration sums (predicted probabilities, observed positives) are a binary
   * model's; 0 for a multiclass one.
   */
  evaluate(examples: Examples): { count: number; correct: number; accuracy: number; loss: number; predictedPositive: number; observedPositive: number } {
    return tf.tidy(() => {
      const x = tf.tensor2d(examples.x, [examples.count, examples.features]);
      const y = tf.tensor2d(examples.y, [examples.count, 1]);
      const logits = this.logits(x);
      if (this.spec.architecture === 'linear-regression') {
        // Scored by the squared error alone: the loss is the mean squared error, nothing is classified.
        const loss = outputLoss(this.spec, y, logits).dataSync()[0]!;
        return { count: examples.count, correct: 0, accuracy: 0, loss, predictedPositive: 0, observedPositive: 0 };
      }
      if (this.spec.outputDim > 1) {
        const predictedClass = tf.argMax(logits, 1).reshape([-1, 1]);
        const correct = tf.sum(tf.cast(tf.equal(tf.cast(predictedClass, 'float32'), y), 'float32')).dataSync()[0]!;
        const loss = outputLoss(this.spec, y, logits).dataSync()[0]!;
        return { count: examples.count, correct, accuracy: correct / examples.count, loss, predictedPositive: 0, observedPositive: 0 };
      }
      const predicted = tf.cast(tf.greater(logits, 0), 'float32');
      const correct = tf.sum(tf.cast(tf.equal(predicted, y), 'float32')).dataSync()[0]!;
      const loss = tf.losses.sigmoidCrossEntropy(y, logits).dataSync()[0]!;
      const predictedPositive = tf.sum(tf.sigmoid(logits)).dataSync()[0]!;
      const observedPositive = tf.sum(y).dataSync()[0]!;
      return { count: examples.count, correct, accuracy: correct / examples.count, loss, predictedPositive, observedPositive };
    });
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}

/** One-hot rows `[rows, classes]` of the class indices in `y` (`[rows, 1]`, float 0..classes-1). */
export function oneHotClasses(y: tf.Tensor2D, classes: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32') as tf.Tensor1D, classes), 'float32') as tf.Tensor2D;
}

/**
 * The mean loss of the outputs against `y`: a linear regression's squared error, sigmoid
 * cross-entropy for one output, softmax cross-entropy of class indices for more.
 */
export function outputLoss(spec: ModelSpec, y: tf.Tensor2D, outputs: tf.Tensor2D): tf.Scalar {
  if (spec.architecture === 'linear-regression') return tf.losses.meanSquaredError(y, outputs) as tf.Scalar;
  if (spec.outputDim === 1) return tf.losses.sigmoidCrossEntropy(y, outputs) as tf.Scalar;
  return tf.losses.softmaxCrossEntropy(oneHotClasses(y, spec.outputDim), outputs) as tf.Scalar;
}

/** Each example's gradient of its own loss with respect to the outputs (rows), as {@link outputLoss} averages them. */
export function outputErrors(spec: ModelSpec, y: tf.Tensor2D, outputs: tf.Tensor2D): tf.Tensor2D {
  if (spec.architecture === 'linear-regression') return tf.mul(2, tf.sub(outputs, y));
  if (spec.outputDim === 1) return tf.sub(tf.sigmoid(outputs), y);
  return tf.sub(tf.softmax(outputs), oneHotClasses(y, spec.outputDim));
}
