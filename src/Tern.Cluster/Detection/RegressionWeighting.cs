namespace Tern.Cluster.Detection;

/// <summary>How the local-regression detectors weight the points of their window.</summary>
public enum RegressionWeighting
{
    /// <summary>
    /// Ordinary least squares. This is what CloudSim 3.0.3 actually computes for LR and LRR:
    /// its tricube and bisquare weights are built but only applied when 40 % or more of them are
    /// zero, which never happens, so reproducing its figures needs unweighted fits.
    /// </summary>
    Unweighted,

    /// <summary>Tricube weights favouring the newest points (Cleveland's loess).</summary>
    Tricube,

    /// <summary>Tricube weights times bisquare robustness weights from a first tricube fit's residuals.</summary>
    TricubeBisquare,
}
