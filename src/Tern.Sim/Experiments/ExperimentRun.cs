namespace Tern.Sim.Experiments;

/// <summary>One cell of an experiment matrix: a policy on a day of traces.</summary>
public readonly record struct ExperimentRun(string WorkloadFolder, string Policy);
